package assets

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// BuildOptions configure Build.
type BuildOptions struct {
	// Dir receives kube-apiserver and etcd; DefaultDir when empty.
	Dir string
	// Go is the go command; "go" from PATH when empty.
	Go string
	// Force rebuilds binaries that are already present.
	Force bool
	// Log receives the go command's output; discarded when nil.
	Log io.Writer
}

// BuildResult says what Build did.
type BuildResult struct {
	// Dir holds the binaries.
	Dir string
	// Built lists the binaries built now; empty when all were cached.
	Built []string
	// Durations holds each binary's build time.
	Durations map[string]time.Duration
}

// Build compiles kube-apiserver and etcd from the Go module proxy into
// opts.Dir, each from a wrapper module generated in a temporary directory.
// Binaries already present are kept unless opts.Force is set.
func Build(ctx context.Context, opts BuildOptions) (*BuildResult, error) {
	dir, err := Resolve(opts.Dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create assets directory: %w", err)
	}
	b := builder{goCmd: opts.Go, log: opts.Log}
	if b.goCmd == "" {
		b.goCmd = "go"
	}
	if b.log == nil {
		b.log = io.Discard
	}
	res := &BuildResult{Dir: dir, Durations: map[string]time.Duration{}}
	steps := []struct {
		name  string
		build func(ctx context.Context, out string) error
	}{
		{EtcdBinary, b.buildEtcd},
		{APIServerBinary, b.buildAPIServer},
	}
	for _, s := range steps {
		out := filepath.Join(dir, s.name)
		if _, err := os.Stat(out); err == nil && !opts.Force {
			continue
		}
		start := time.Now()
		tmp := fmt.Sprintf("%s.partial-%d", out, os.Getpid()) // concurrent builders do not clash
		if err := s.build(ctx, tmp); err != nil {
			_ = os.Remove(tmp)
			return res, fmt.Errorf("build %s: %w", s.name, err)
		}
		if err := os.Rename(tmp, out); err != nil {
			return res, fmt.Errorf("install %s: %w", s.name, err)
		}
		res.Built = append(res.Built, s.name)
		res.Durations[s.name] = time.Since(start)
	}
	return res, nil
}

// builder runs the go command in generated wrapper modules.
type builder struct {
	goCmd string
	log   io.Writer
}

// etcdMain is the wrapper's main package: etcd's own main is in a module
// whose replace directives rule out go install.
const etcdMain = `package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
`

func (b builder) buildEtcd(ctx context.Context, out string) error {
	mod := fmt.Sprintf("module controlplane/etcd\n\ngo 1.26\n\nrequire go.etcd.io/etcd/server/v3 %s\n", EtcdVersion)
	ws, err := b.workspace("etcd", mod, etcdMain)
	if err != nil {
		return err
	}
	defer os.RemoveAll(ws)
	return b.run(ctx, ws, "build", "-trimpath", "-ldflags=-s -w", "-o", out, ".")
}

func (b builder) buildAPIServer(ctx context.Context, out string) error {
	ws, err := b.workspace("kube-apiserver", "module controlplane/apiserver\n\ngo 1.26\n", "")
	if err != nil {
		return err
	}
	defer os.RemoveAll(ws)
	gomod, err := b.moduleGoMod(ctx, ws, "k8s.io/kubernetes@"+KubernetesVersion)
	if err != nil {
		return err
	}
	mod, err := apiServerWrapperMod(gomod)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(ws, "go.mod"), []byte(mod), 0o644); err != nil {
		return err
	}
	return b.run(ctx, ws, "build", "-trimpath", "-ldflags="+versionLDFlags(), "-o", out,
		"k8s.io/kubernetes/cmd/kube-apiserver")
}

// workspace creates a temporary wrapper module.
func (b builder) workspace(name, gomod, mainGo string) (string, error) {
	ws, err := os.MkdirTemp("", "controlplane-"+name+"-")
	if err != nil {
		return "", fmt.Errorf("create wrapper module: %w", err)
	}
	if err := os.WriteFile(filepath.Join(ws, "go.mod"), []byte(gomod), 0o644); err != nil {
		return ws, err
	}
	if mainGo != "" {
		if err := os.WriteFile(filepath.Join(ws, "main.go"), []byte(mainGo), 0o644); err != nil {
			return ws, err
		}
	}
	return ws, nil
}

// moduleGoMod downloads a module version and returns its go.mod text.
func (b builder) moduleGoMod(ctx context.Context, ws, modVersion string) ([]byte, error) {
	var stdout bytes.Buffer
	cmd := b.command(ctx, ws, "mod", "download", "-json", modVersion)
	cmd.Stdout = &stdout
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go mod download %s: %w: %s", modVersion, err, stdout.String())
	}
	var info struct{ GoMod, Error string }
	if err := json.Unmarshal(stdout.Bytes(), &info); err != nil {
		return nil, fmt.Errorf("go mod download %s: %w", modVersion, err)
	}
	if info.Error != "" {
		return nil, fmt.Errorf("go mod download %s: %s", modVersion, info.Error)
	}
	return os.ReadFile(info.GoMod)
}

// stagingReplace matches k8s.io/kubernetes's replace directives for its
// staging modules ("k8s.io/api => ./staging/src/k8s.io/api").
var stagingReplace = regexp.MustCompile(`(?m)^\s*(k8s\.io/[A-Za-z0-9._/-]+)\s*=>\s*\./staging/`)

// apiServerWrapperMod returns a go.mod requiring k8s.io/kubernetes with each
// staging module pinned to the published version matching KubernetesVersion
// (v1.36.3 -> v0.36.3): the replace directives of k8s.io/kubernetes point into
// its own tree and do not apply to a module that requires it.
func apiServerWrapperMod(kubernetesGoMod []byte) (string, error) {
	var staging []string
	for _, m := range stagingReplace.FindAllSubmatch(kubernetesGoMod, -1) {
		staging = append(staging, string(m[1]))
	}
	if len(staging) == 0 {
		return "", fmt.Errorf("k8s.io/kubernetes %s go.mod lists no staging modules", KubernetesVersion)
	}
	sort.Strings(staging)
	stagingVersion := "v0" + strings.TrimPrefix(KubernetesVersion, "v1")
	var sb strings.Builder
	fmt.Fprintf(&sb, "module controlplane/apiserver\n\ngo 1.26\n\nrequire k8s.io/kubernetes %s\n\nreplace (\n", KubernetesVersion)
	for _, m := range staging {
		fmt.Fprintf(&sb, "\t%s => %s %s\n", m, m, stagingVersion)
	}
	sb.WriteString(")\n")
	return sb.String(), nil
}

// versionLDFlags stamps the version the API server reports (Helm checks
// charts' kubeVersion against it).
func versionLDFlags() string {
	major, minor, _ := strings.Cut(strings.TrimPrefix(KubernetesVersion, "v"), ".")
	minor, _, _ = strings.Cut(minor, ".")
	const pkg = "k8s.io/component-base/version"
	flags := []string{"-s", "-w"}
	for k, v := range map[string]string{
		"gitVersion": KubernetesVersion, "gitMajor": major, "gitMinor": minor,
		"gitTreeState": "clean", "buildDate": "1970-01-01T00:00:00Z",
	} {
		flags = append(flags, fmt.Sprintf("-X %s.%s=%s", pkg, k, v))
	}
	sort.Strings(flags[2:])
	return strings.Join(flags, " ")
}

// command prepares a go command in a wrapper module, outside any workspace.
func (b builder) command(ctx context.Context, dir string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, b.goCmd, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod -buildvcs=false", "CGO_ENABLED=0")
	cmd.Stderr = b.log
	return cmd
}

// run runs a go command, keeping its output in the error.
func (b builder) run(ctx context.Context, dir string, args ...string) error {
	var out bytes.Buffer
	cmd := b.command(ctx, dir, args...)
	cmd.Stdout = io.MultiWriter(&out, b.log)
	cmd.Stderr = io.MultiWriter(&out, b.log)
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, lastBytes(out.String(), 4000))
	}
	return nil
}

// lastBytes keeps the last n bytes of s.
func lastBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}
