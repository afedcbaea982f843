//go:build releases && linux

package releases

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/cilium-tls-intercept/sandbox/sandbox/matrix"
)

// TestAgentProvider runs `sandbox matrix --agent` (the command users run)
// for each supported minor's default patch: the scenarios' own features on
// the agent provider, the release's operator and agent in its helper and
// the Envoy stand-in deciding for Envoy. Every cell must pass, skip for
// the kernel or Hubble, or fail where a known bug Cilium's Go code shows
// expects it (matrix.GoExpectations: K7 on 1.16, say), with its ref.
func TestAgentProvider(t *testing.T) {
	needToolchainAndProxy(t)
	t.Chdir("..") // the scenarios run in their package directory under the module root
	bin := filepath.Join(t.TempDir(), "scenarios.test")
	start := time.Now()
	if out, err := exec.Command("go", "test", "-c", "-o", bin, "./scenarios").CombinedOutput(); err != nil {
		t.Fatalf("go test -c ./scenarios: %v\n%s", err, out)
	}
	t.Logf("built the scenarios' test binary in %.0fs", time.Since(start).Seconds())
	// The releases run side by side: each is its own control plane, helper
	// and scenarios process, much of whose time is spent waiting for the
	// API server and the agent, so the stage's wall time is not the sum of
	// five runs.
	for _, release := range defaultPatches() {
		t.Run(release, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			start := time.Now()
			code, out, errOut := sandbox(nil, "matrix", "--agent", "--cilium-version", release, "--results", dir, "--scenarios-binary", bin)
			took := time.Since(start)
			res := agentResults(t, dir)
			if len(res.Runs) != 1 {
				t.Fatalf("sandbox matrix --agent --cilium-version %s: exit %d, %d rows\nstdout:\n%s\nstderr:\n%.3000s", release, code, len(res.Runs), out, errOut)
			}
			run := res.Runs[0]
			t.Logf("Cilium %s: sandbox matrix --agent took %.0fs\n%s", release, took.Seconds(), out)
			for _, s := range run.Scenarios {
				if s.Verdict == matrix.VerdictExpectedFail || s.Verdict == matrix.VerdictExpectedSkip {
					t.Logf("%s %s: %s (%s, %s): %s", release, s.ID, s.Verdict, s.Expected.Reason, s.Expected.Ref, s.Detail)
				}
			}
			if err := res.Check(); err != nil || code != 0 {
				t.Errorf("sandbox matrix --agent --cilium-version %s: exit %d: %v\nstderr:\n%.3000s", release, code, err, errOut)
			}
		})
	}
}

// agentResults reads the results.json the matrix wrote into dir.
func agentResults(t *testing.T, dir string) *matrix.Results {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, matrix.ResultsFile))
	if err != nil {
		t.Fatalf("the matrix wrote no results: %v", err)
	}
	var res matrix.Results
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatalf("results.json: %v", err)
	}
	return &res
}
