package matrix

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strings"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// ScenarioInput is what the scenario suite needs to run against one
// combination's cluster.
type ScenarioInput struct {
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

// GoTest runs the suite as `go test -json ./scenarios -args ...`, or a
// prebuilt test binary through `go tool test2json`, and folds the events.
type GoTest struct {
	// Go is the go command; "go" when empty.
	Go string
	// Package is the scenarios package; "./scenarios" when empty.
	Package string
	// TestBinary is a prebuilt scenarios test binary (go test -c); when set
	// it runs instead of `go test`.
	TestBinary string
	// Dir is the working directory (the repository root).
	Dir string
	// Timeout is go test's -timeout; "90m" when empty.
	Timeout string
	// Log receives the suite's raw event stream when set.
	Log io.Writer
}

// Args returns the scenarios' own flags for in (after -args).
func (g GoTest) Args(in ScenarioInput) []string {
	args := []string{
		"--provider=existing",
		"--kubeconfig=" + in.Kubeconfig,
		"--cluster-name=" + in.ClusterName,
		"--cilium-version=" + in.Cilium.String(),
		"--upstream=" + in.Upstream,
	}
	if in.NodeImage != "" {
		args = append(args, "--node-image="+in.NodeImage)
	}
	if in.ArtifactsDir != "" {
		args = append(args, "--artifacts="+in.ArtifactsDir)
	}
	if in.Labels != "" {
		args = append(args, "--labels="+in.Labels)
	}
	return args
}

// Command returns the argv that runs the suite for in.
func (g GoTest) Command(in ScenarioInput) []string {
	goCmd := g.Go
	if goCmd == "" {
		goCmd = "go"
	}
	timeout := g.Timeout
	if timeout == "" {
		timeout = "90m"
	}
	if g.TestBinary != "" {
		argv := []string{goCmd, "tool", "test2json", "-t", "-p", "scenarios", g.TestBinary,
			"-test.v=test2json", "-test.count=1", "-test.timeout=" + timeout}
		return append(argv, g.Args(in)...)
	}
	pkg := g.Package
	if pkg == "" {
		pkg = "./scenarios"
	}
	argv := []string{goCmd, "test", "-json", "-count=1", "-timeout=" + timeout, pkg, "-args"}
	return append(argv, g.Args(in)...)
}

// RunScenarios runs the suite and folds its events. A failing test makes
// go test exit non-zero, which is a result, not an error; a run that gave
// no scenario result at all is an error carrying the suite's last output.
func (g GoTest) RunScenarios(ctx context.Context, in ScenarioInput) ([]ScenarioResult, error) {
	argv := g.Command(in)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = g.Dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	if g.Log != nil {
		cmd.Stdout = io.MultiWriter(&stdout, g.Log)
	}
	cmd.Stderr = &stderr
	runErr := cmd.Run()
	results, suite, err := Fold(&stdout, in.Selected)
	if err != nil {
		return nil, err
	}
	if runErr != nil && allErrors(results) {
		out := strings.TrimSpace(strings.Join(suite, "\n") + "\n" + tail(stderr.String(), 20))
		return results, fmt.Errorf("run scenarios (%s): %w\n%s", strings.Join(argv, " "), runErr, out)
	}
	return results, nil
}

func allErrors(rs []ScenarioResult) bool {
	for _, r := range rs {
		if r.Outcome != OutcomeError {
			return false
		}
	}
	return true
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
