package upstream

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/build"
	"github.com/moby/moby/client"
)

// ImageRepo is the repository of the fake upstream's image; the tag is the
// first 12 hex digits of the binary's SHA-256, so an unchanged program is
// built into an image once.
const ImageRepo = "cilium-tls-intercept/fake-upstream"

// dockerfile builds the image from the binary alone: FROM scratch needs no
// base image, so the build pulls nothing. The binary is static
// (CGO_ENABLED=0) and runs as root, which may bind port 443.
const dockerfile = `FROM scratch
COPY fake-upstream /fake-upstream
EXPOSE 443
ENTRYPOINT ["/fake-upstream"]
`

// imageBuilder is the part of the Engine API client that building uses.
type imageBuilder interface {
	ServerVersion(ctx context.Context, opts client.ServerVersionOptions) (client.ServerVersionResult, error)
	ImageInspect(ctx context.Context, image string, opts ...client.ImageInspectOption) (client.ImageInspectResult, error)
	ImageBuild(ctx context.Context, buildContext io.Reader, opts client.ImageBuildOptions) (client.ImageBuildResult, error)
}

// BuildBinary compiles the fake upstream's package in source (the
// cmd/fake-upstream directory) on the host into a static linux/arch
// binary at out, with the go command goCmd ("go" when empty).
func BuildBinary(ctx context.Context, goCmd, source, arch, out string) error {
	if goCmd == "" {
		goCmd = "go"
	}
	abs, err := filepath.Abs(out)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, goCmd, "build", "-trimpath", "-ldflags=-s -w", "-o", abs, ".")
	cmd.Dir = source
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch, "GOFLAGS=-buildvcs=false")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build fake upstream from %s: %w: %s", source, err, strings.TrimSpace(string(b)))
	}
	return nil
}

// BuildContext returns the tar archive the Engine API builds the image
// from: the Dockerfile and the binary, nothing else.
func BuildContext(binary []byte) ([]byte, error) {
	return tarArchive("", []tarFile{{"Dockerfile", 0o644, []byte(dockerfile)}, {"fake-upstream", 0o755, binary}})
}

// tarFile is one regular file of a tar archive.
type tarFile struct {
	name string
	mode int64
	data []byte
}

// tarArchive returns a tar holding dir (when not empty) and files, with
// fixed modification times so the same files give the same archive.
func tarArchive(dir string, files []tarFile) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if dir != "" {
		if err := tw.WriteHeader(&tar.Header{Name: dir, Mode: 0o755, ModTime: time.Unix(0, 0), Typeflag: tar.TypeDir}); err != nil {
			return nil, err
		}
	}
	for _, f := range files {
		h := &tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data)), ModTime: time.Unix(0, 0), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ensureImage builds the fake upstream from source for the daemon's
// architecture and returns the image's reference, building the image only
// when the daemon lacks it. Nothing is pulled.
func ensureImage(ctx context.Context, d imageBuilder, goCmd, source string) (string, error) {
	v, err := d.ServerVersion(ctx, client.ServerVersionOptions{})
	if err != nil {
		return "", fmt.Errorf("docker version: %w", err)
	}
	dir, err := os.MkdirTemp("", "fake-upstream-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "fake-upstream")
	if err := BuildBinary(ctx, goCmd, source, v.Arch, bin); err != nil {
		return "", err
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	ref := ImageRepo + ":" + hex.EncodeToString(sum[:6])
	if _, err := d.ImageInspect(ctx, ref); err == nil {
		return ref, nil
	} else if !cerrdefs.IsNotFound(err) {
		return "", fmt.Errorf("inspect image %s: %w", ref, err)
	}
	archive, err := BuildContext(data)
	if err != nil {
		return "", err
	}
	res, err := d.ImageBuild(ctx, bytes.NewReader(archive), client.ImageBuildOptions{
		Tags: []string{ref}, Remove: true, ForceRemove: true, Version: build.BuilderV1,
		Labels: map[string]string{Label: "image"},
	})
	if err != nil {
		return "", fmt.Errorf("build image %s: %w", ref, err)
	}
	defer res.Body.Close()
	if err := buildOutcome(res.Body); err != nil {
		return "", fmt.Errorf("build image %s: %w", ref, err)
	}
	return ref, nil
}

// buildOutcome reads the build's JSON message stream to its end and
// returns the error it reports, with the build's last output lines.
func buildOutcome(r io.Reader) error {
	dec := json.NewDecoder(r)
	var lines []string
	for {
		var m struct {
			Stream string `json:"stream"`
			Error  string `json:"error"`
		}
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return fmt.Errorf("read build output: %w", err)
		}
		if s := strings.TrimSpace(m.Stream); s != "" {
			lines = append(lines, s)
		}
		if m.Error != "" {
			if len(lines) > 5 {
				lines = lines[len(lines)-5:]
			}
			return fmt.Errorf("%s (after: %s)", m.Error, strings.Join(lines, " | "))
		}
	}
}
