package ciliumrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// ErrNoToolchain means no Go toolchain was found to build a helper with.
var ErrNoToolchain = errors.New("no Go toolchain")

// ErrUnsupportedOS means helpers do not build for this operating system.
var ErrUnsupportedOS = errors.New("Cilium's agent code builds only for Linux")

// Builder builds helpers and keeps them in a cache directory, one per
// release, rebuilt only when the sources the sandbox binary carries, the
// Go toolchain or the platform change.
type Builder struct {
	// CacheDir holds a directory per release; DefaultCacheDir() when empty.
	CacheDir string
	// Go is the go command; "go" from PATH when empty.
	Go string
	// Progress receives progress lines for people; discarded when nil.
	Progress io.Writer
	// Env is the environment of the go commands; os.Environ() when nil.
	Env []string
}

// Helper is a built helper.
type Helper struct {
	// Release is the Cilium release whose code it runs.
	Release versions.Cilium
	// Path is the executable.
	Path string
	// Built says it was built now rather than taken from the cache.
	Built bool
	// Took is how long Ensure took.
	Took time.Duration
}

// DefaultCacheDir is the user cache directory's
// cilium-tls-intercept/helpers.
func DefaultCacheDir() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("user cache directory: %w", err)
	}
	return filepath.Join(dir, "cilium-tls-intercept", "helpers"), nil
}

// Ensure returns the helper of release v, building it when the cache holds
// none built from the same sources with the same toolchain.
func (b *Builder) Ensure(ctx context.Context, v versions.Cilium) (*Helper, error) {
	start := time.Now()
	if runtime.GOOS != "linux" {
		return nil, fmt.Errorf("%w (pkg/policy, pkg/envoy and the IP cache use Linux's BPF maps and netlink); this is %s: run lint --agent on Linux, for example in a Linux container with Go", ErrUnsupportedOS, runtime.GOOS)
	}
	goTool, err := b.goTool()
	if err != nil {
		return nil, err
	}
	cache, err := b.cacheDir()
	if err != nil {
		return nil, err
	}
	toolchain, err := b.output(ctx, "", goTool, "env", "GOVERSION", "GOOS", "GOARCH")
	if err != nil {
		return nil, fmt.Errorf("%w: `go env` failed: %v", ErrNoToolchain, err)
	}
	digest, err := sourceDigest(v.Major, v.Minor)
	if err != nil {
		return nil, err
	}
	stamp := fmt.Sprintf("protocol %d\nsources %s\ntoolchain %s\n", wireVersion(), digest, strings.Join(strings.Fields(toolchain), " "))
	dir := filepath.Join(cache, v.String())
	bin := filepath.Join(dir, "helper")
	unlock, err := b.lockRelease(ctx, dir)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if have, err := os.ReadFile(filepath.Join(dir, "stamp")); err == nil && string(have) == stamp {
		if _, err := os.Stat(bin); err == nil {
			return &Helper{Release: v, Path: bin, Took: time.Since(start)}, nil
		}
	}
	b.progressf("building the helper that runs Cilium %s's own code (first use of this release: minutes; later runs reuse %s)", v, dir)
	if err := b.build(ctx, goTool, dir, v); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "stamp"), []byte(stamp), 0o644); err != nil {
		return nil, err
	}
	h := &Helper{Release: v, Path: bin, Built: true, Took: time.Since(start)}
	b.progressf("built the helper for Cilium %s in %s", v, h.Took.Round(time.Second))
	return h, nil
}

// build assembles the module of v in dir/module and builds dir/helper.
func (b *Builder) build(ctx context.Context, goTool, dir string, v versions.Cilium) error {
	mod := filepath.Join(dir, "module")
	if err := os.RemoveAll(mod); err != nil {
		return err
	}
	if err := writeModule(mod, v); err != nil {
		return fmt.Errorf("assemble the helper module for Cilium %s: %w", v, err)
	}
	if err := b.setRelease(ctx, goTool, mod, v); err != nil {
		return err
	}
	dropped, err := b.droppedReplaces(ctx, goTool, mod, v)
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, fmt.Sprintf("helper.%d.tmp", os.Getpid()))
	if err := b.compile(ctx, goTool, mod, tmp, v, dropped); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, "helper"))
}

func (b *Builder) goTool() (string, error) {
	name := b.Go
	if name == "" {
		name = "go"
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("%w: lint --agent builds a helper per Cilium release with the Go toolchain (1.24 or newer), and %q is not on PATH: %v", ErrNoToolchain, name, err)
	}
	return p, nil
}

func (b *Builder) cacheDir() (string, error) {
	if b.CacheDir != "" {
		return b.CacheDir, nil
	}
	return DefaultCacheDir()
}

func (b *Builder) progressf(format string, args ...any) {
	if b.Progress != nil {
		fmt.Fprintf(b.Progress, format+"\n", args...)
	}
}

// Download makes sure Cilium v's module (its source and Helm chart) is in
// the Go module cache, fetching it through the module proxy when missing,
// and returns its directory there.
func (b *Builder) Download(ctx context.Context, v versions.Cilium) (string, error) {
	goTool, err := b.goTool()
	if err != nil {
		return "", err
	}
	out, err := b.output(ctx, os.TempDir(), goTool, "mod", "download", "-json", ciliumModule+"@v"+v.String())
	var info struct{ Dir, Error string }
	_ = json.Unmarshal([]byte(out), &info)
	if err != nil || info.Error != "" || info.Dir == "" {
		return "", fmt.Errorf("could not fetch %s@v%s through the Go module proxy: %s %v", ciliumModule, v, info.Error, err)
	}
	return info.Dir, nil
}
