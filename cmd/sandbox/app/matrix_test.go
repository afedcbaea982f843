package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cilium-tls-intercept/sandbox/sandbox/cluster"
)

func runSandbox(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestMatrixDryRun(t *testing.T) {
	code, out, errOut := runSandbox(t, "matrix", "--dry-run", "--expectations", filepath.Join("..", "..", "..", "fixtures", "matrix", "expectations.yaml"))
	if code != ExitOK {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	for _, want := range []string{"Matrix plan: 5 combination(s)", "cti-1-16-19", "cti-1-20-2", "kindest/node:v1.30.13@sha256:",
		"1.16.19 wildcard-groups: expected skip", "tls.secretsBackend"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = runSandbox(t, "matrix", "--dry-run", "--output", "json", "--cilium", "1.18.10", "--labels", "scenario=rotation")
	var plan struct {
		Combinations []struct{ Cilium, ClusterName string }
		Scenarios    []string
	}
	if err := json.Unmarshal([]byte(out), &plan); err != nil || code != ExitOK {
		t.Fatalf("exit %d, JSON %v:\n%s", code, err, out)
	}
	if len(plan.Combinations) != 1 || plan.Combinations[0].ClusterName != "cti-1-18-10" || strings.Join(plan.Scenarios, ",") != "rotation" {
		t.Fatalf("plan = %+v, want one combination running rotation", plan)
	}
}

// Without --expectations the plan shows the shipped rules: rotation is
// expected to fail on 1.16 (K7, cilium/cilium#35513) and on no later release.
func TestMatrixDryRunShippedRules(t *testing.T) {
	code, out, errOut := runSandbox(t, "matrix", "--dry-run")
	if code != ExitOK {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	if !strings.Contains(out, "  1.16.19 rotation: expected fail: secrets go inline, so a renewal reaches Envoy only when the policy is recomputed") ||
		!strings.Contains(out, "(K7, cilium/cilium#35513)") {
		t.Errorf("plan lacks the expected rotation failure on 1.16.19:\n%s", out)
	}
	for _, v := range []string{"1.17.17", "1.18.11", "1.19.7", "1.20.2"} {
		if strings.Contains(out, "  "+v+" rotation: expected") {
			t.Errorf("plan expects rotation to fail on %s:\n%s", v, out)
		}
	}
}

func TestMatrixBadInput(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"matrix", "--dry-run", "--cilium", "1.15.0"}, `unsupported Cilium version "1.15.0"`},
		{[]string{"matrix", "--dry-run", "--output", "xml"}, `invalid --output "xml": want text, json or yaml`},
		{[]string{"matrix", "--dry-run", "--labels", "scenario=nope"}, `unknown scenario "nope"`},
		{[]string{"matrix", "--dry-run", "--upstream", "vpn"}, `invalid upstream "vpn"`},
		{[]string{"matrix", "--dry-run", "--expectations", "/nonexistent/rules.yaml"}, "read expectations"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args[2:], " "), func(t *testing.T) {
			code, _, errOut := runSandbox(t, c.args...)
			if code != ExitUsage || !strings.Contains(errOut, c.want) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, errOut, ExitUsage, c.want)
			}
		})
	}
}

// Without --dry-run and without Docker the matrix stops at once, before
// writing anything.
func TestMatrixWithoutDocker(t *testing.T) {
	if cluster.CheckDocker(context.Background()) == nil {
		t.Skip("a Docker daemon answers here; this test needs a machine without one")
	}
	dir := filepath.Join(t.TempDir(), "results")
	code, out, errOut := runSandbox(t, "matrix", "--cilium", "1.20.2", "--results", dir)
	if code != ExitUsage || !strings.Contains(errOut, cluster.ErrNoDocker.Error()) || out != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q; want %d and the Docker message", code, out, errOut, ExitUsage)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("results directory created without Docker: %v", err)
	}
}

func TestMatrixMerge(t *testing.T) {
	fx := filepath.Join("..", "..", "..", "fixtures", "matrix")
	dir := t.TempDir()
	code, out, errOut := runSandbox(t, "matrix", "merge", "--results", dir,
		filepath.Join(fx, "results.json"), filepath.Join(fx, "rerun-1.18.10-rotation.json"))
	if code != ExitFailed || !strings.Contains(errOut, "1.18.10 rotation: fail") {
		t.Fatalf("exit %d, stderr %q; want %d and the unexpected rotation failure", code, errOut, ExitFailed)
	}
	if !strings.Contains(out, "1.18.10  v1.33.4") || !strings.Contains(out, "FAIL") {
		t.Fatalf("text table lacks the 1.18.10 row with FAIL:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "matrix.md")); err != nil {
		t.Fatal(err)
	}
	// Merging the full sample again supersedes the re-run cell: the last
	// merged result of a cell wins.
	code, out, _ = runSandbox(t, "matrix", "merge", "--results", dir, filepath.Join(fx, "results.json"))
	if code != ExitOK || strings.Contains(out, "FAIL") {
		t.Fatalf("exit %d, want %d and no FAIL cell:\n%s", code, ExitOK, out)
	}
}
