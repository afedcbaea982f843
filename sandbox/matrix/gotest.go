package matrix

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// Scenario providers. The matrix runs the suite with ProviderKind and the
// combination's cluster name, Cilium release, node image and kubeconfig:
// the suite's own sandbox.Up then finds the cluster the matrix made and
// only applies the chart values the scenarios need (a pass-through domain,
// an HTTP rule, the fake upstream's CA), which ProviderExisting expects to
// be installed already. The local fake upstream also needs kind's network.
const (
	ProviderKind     = "kind"
	ProviderExisting = "existing"
	// ProviderAgent runs the scenarios on the hermetic control plane with
	// the release's own operator and agent in its per-release helper and
	// the Envoy stand-in: no Docker, no cluster, no kernel datapath.
	ProviderAgent = "agent"
)

// ScenarioInput is what the scenario suite needs to run against one
// combination's cluster.
type ScenarioInput struct {
	Provider     string
	Kubeconfig   string
	ClusterName  string
	Cilium       versions.Cilium
	NodeImage    string
	Upstream     string
	Labels       string
	ArtifactsDir string
	// Selected are the scenario IDs the labels select, in column order.
	Selected []string
}

// ScenarioRunner runs the scenario suite and reports one result per
// selected scenario.
type ScenarioRunner interface {
	RunScenarios(ctx context.Context, in ScenarioInput) ([]ScenarioResult, error)
}

// GoTest runs the scenarios package's test binary under test2json: built
// once per call with `go test -c` unless TestBinary is given, then run in
// e2e-framework's dry-run mode once per scenario label to learn which
// feature belongs to which scenario (test2json events do not carry labels),
// then for real.
type GoTest struct {
	// Go is the go command; "go" when empty.
	Go string
	// Package is the scenarios package directory; "./scenarios" when empty.
	Package string
	// TestBinary is a prebuilt scenarios test binary (go test -c); when
	// empty one is built into a temporary directory.
	TestBinary string
	// Dir is the module root the package is relative to; "." when empty.
	Dir string
	// Timeout is the suite's -test.timeout; "90m" when empty.
	Timeout string
	// Log receives the real run's raw event stream when set.
	Log io.Writer
}

// Args returns the scenarios' own flags for in. The agent provider takes
// no cluster, node image or upstream flags: it makes its own control
// plane and always serves the test names from in-process fakes.
func (g GoTest) Args(in ScenarioInput) []string {
	if in.Provider == ProviderAgent {
		args := []string{"--provider=" + in.Provider, "--cilium-version=" + in.Cilium.String()}
		return appendOptional(args, in)
	}
	args := []string{
		"--provider=" + in.Provider,
		"--kubeconfig=" + in.Kubeconfig,
		"--cluster-name=" + in.ClusterName,
		"--cilium-version=" + in.Cilium.String(),
		"--upstream=" + in.Upstream,
	}
	if in.NodeImage != "" {
		args = append(args, "--node-image="+in.NodeImage)
	}
	return appendOptional(args, in)
}

// appendOptional appends the artifacts directory and the labels, when set.
func appendOptional(args []string, in ScenarioInput) []string {
	if in.ArtifactsDir != "" {
		args = append(args, "--artifacts="+in.ArtifactsDir)
	}
	if in.Labels != "" {
		args = append(args, "--labels="+in.Labels)
	}
	return args
}

// BuildCommand returns the argv that builds the suite's test binary to out.
func (g GoTest) BuildCommand(out string) []string {
	return []string{g.goCmd(), "test", "-c", "-o", out, g.pkg()}
}

// RunCommand returns the argv that runs test binary bin for in under
// test2json, with extra flags appended.
func (g GoTest) RunCommand(bin string, in ScenarioInput, extra ...string) []string {
	timeout := cmp.Or(g.Timeout, "90m")
	argv := []string{g.goCmd(), "tool", "test2json", "-t", "-p", "scenarios", bin,
		"-test.v=test2json", "-test.count=1", "-test.timeout=" + timeout}
	argv = append(argv, g.Args(in)...)
	return append(argv, extra...)
}

// RunScenarios builds the suite, maps its features to scenarios and runs
// the selected ones. A failing test makes the binary exit non-zero, which
// is a result, not an error; a run that gave no scenario result at all is
// an error carrying the suite's last output.
func (g GoTest) RunScenarios(ctx context.Context, in ScenarioInput) ([]ScenarioResult, error) {
	in, err := absolutePaths(in)
	if err != nil {
		return nil, err
	}
	bin, cleanup, err := g.binary(ctx)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	features, err := g.Discover(ctx, bin, in)
	if err != nil {
		return nil, err
	}
	argv := g.RunCommand(bin, in)
	stdout, stderr, runErr := g.run(ctx, argv, g.Log)
	results, suite, err := Fold(bytes.NewReader(stdout), in.Selected, features)
	if err != nil {
		return nil, err
	}
	if runErr != nil && allErrors(results) {
		return results, commandError("run scenarios", argv, runErr, suite, stderr)
	}
	return results, nil
}

// absolutePaths makes in's paths absolute: the suite runs in its package
// directory, not in ours.
func absolutePaths(in ScenarioInput) (ScenarioInput, error) {
	for _, p := range []*string{&in.Kubeconfig, &in.ArtifactsDir} {
		if *p == "" {
			continue
		}
		abs, err := filepath.Abs(*p)
		if err != nil {
			return in, fmt.Errorf("scenario input path %q: %w", *p, err)
		}
		*p = abs
	}
	return in, nil
}

// binary returns the test binary to run, building it when none is given.
func (g GoTest) binary(ctx context.Context) (string, func(), error) {
	if g.TestBinary != "" {
		abs, err := filepath.Abs(g.TestBinary)
		return abs, func() {}, err
	}
	dir, err := os.MkdirTemp("", "matrix-scenarios-")
	if err != nil {
		return "", nil, fmt.Errorf("build scenarios: %w", err)
	}
	cleanup := func() { os.RemoveAll(dir) }
	bin := filepath.Join(dir, "scenarios.test")
	argv := g.BuildCommand(bin)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = g.Dir
	if out, err := cmd.CombinedOutput(); err != nil {
		cleanup()
		return "", nil, commandError("build scenarios", argv, err, nil, out)
	}
	return bin, cleanup, nil
}

// run runs argv in the package directory, as go test does.
func (g GoTest) run(ctx context.Context, argv []string, log io.Writer) ([]byte, []byte, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = filepath.Join(cmp.Or(g.Dir, "."), g.pkg())
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	if log != nil {
		cmd.Stdout = io.MultiWriter(&stdout, log)
	}
	cmd.Stderr = &stderr
	err := cmd.Run()
	return stdout.Bytes(), stderr.Bytes(), err
}

func (g GoTest) goCmd() string { return cmp.Or(g.Go, "go") }

func (g GoTest) pkg() string { return cmp.Or(g.Package, "./scenarios") }

// commandError describes a failed command with the end of its output.
func commandError(what string, argv []string, err error, lines []string, out []byte) error {
	text := strings.TrimSpace(strings.Join(lines, "\n") + "\n" + lastLines(string(out), 20))
	return fmt.Errorf("%s (%s): %w\n%s", what, strings.Join(argv, " "), err, text)
}

func allErrors(rs []ScenarioResult) bool {
	for _, r := range rs {
		if r.Outcome != OutcomeError {
			return false
		}
	}
	return true
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
