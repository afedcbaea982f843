//go:build releases && linux

package releases

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cilium-tls-intercept/sandbox/cmd/sandbox/app"
	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun/wire"
	"github.com/cilium-tls-intercept/sandbox/sandbox/lint/agent"
)

// lintRow runs `sandbox lint --agent -o json ARGS...` as a user runs it
// (the command's own entry point, so flags, configuration and helpers are
// had exactly as there), records its timings and returns what the
// releases' own code made of the manifests. Unlike lintAgent it accepts
// lint's exit 1: a known bug's affected release makes lint's own checks
// fail (the operator's refused patch, say), and the report carries what
// the agent and the operator did either way. A lint that could not run
// (exit 2) fails the test with its standard error.
func lintRow(t *testing.T, args ...string) *agent.Report {
	t.Helper()
	needToolchainAndProxy(t)
	all := append([]string{"lint", "--agent", "-o", "json"}, args...)
	start := time.Now()
	code, out, errOut := sandbox(nil, all...)
	took := time.Since(start)
	if code != app.ExitOK && code != app.ExitFailed {
		t.Fatalf("sandbox %s: exit %d\n%s", strings.Join(all, " "), code, errOut)
	}
	var rep struct {
		Agent *agent.Report `json:"agent"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Agent == nil {
		t.Fatalf("sandbox %s: no agent report in its JSON (%v)\n%s", strings.Join(all, " "), err, errOut)
	}
	for _, r := range rep.Agent.Releases {
		if r.LintResult == nil {
			t.Fatalf("sandbox %s: Cilium %s gave no result", strings.Join(all, " "), r.Cilium)
		}
	}
	recordTimings(t, rep.Agent, took)
	return rep.Agent
}

// resultOf returns the report's result for Cilium version v.
func resultOf(t *testing.T, rep *agent.Report, v string) *agent.Release {
	t.Helper()
	for i := range rep.Releases {
		if rep.Releases[i].Cilium == v {
			return &rep.Releases[i]
		}
	}
	t.Fatalf("no result for Cilium %s in the report", v)
	return nil
}

// reconcileOf returns the operator's reconcile of secret "ns/name".
func reconcileOf(t *testing.T, r *agent.Release, secret string) wire.Reconcile {
	t.Helper()
	for _, rec := range r.Operator.Reconciles {
		if rec.Secret == secret {
			return rec
		}
	}
	t.Fatalf("Cilium %s's operator did not reconcile %s (reconciles %+v; %s)", r.Cilium, secret, r.Operator.Reconciles, r.Operator.Reason)
	return wire.Reconcile{}
}

// npdsText is a view's NPDS resource as compact JSON, for searching.
func npdsText(t *testing.T, r *agent.Release, v *wire.WorkloadView) string {
	t.Helper()
	if len(v.NPDS) == 0 {
		t.Fatalf("Cilium %s served no NPDS resource for %s (policy error %q, logged %q)", r.Cilium, v.Workload.Name, v.PolicyError, v.Logged)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, v.NPDS); err != nil {
		t.Fatalf("Cilium %s's NPDS for %s: %v", r.Cilium, v.Workload.Name, err)
	}
	return buf.String()
}

// tempFile writes data into a file under t's temporary directory and
// returns its path.
func tempFile(t *testing.T, name, data string) string {
	t.Helper()
	p := t.TempDir() + "/" + name
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// boundariesEnv names the environment variable that makes the known-bug
// tests also run their pairs inside one minor (see knownbugs_test.go).
const boundariesEnv = "RELEASES_BOUNDARIES"

// pair is a release a row affects and one it does not.
type pair struct{ affected, fixed string }

// forPairs runs check on the default patches' pair, and on the pair inside
// one minor across the row's boundary when RELEASES_BOUNDARIES is set
// (otherwise that subtest skips, saying so), each as a subtest named
// "affected-fixed".
func forPairs(t *testing.T, defaults, boundary pair, check func(t *testing.T, affected, fixed string)) {
	t.Helper()
	for _, p := range []pair{defaults, boundary} {
		t.Run(p.affected+"-"+p.fixed, func(t *testing.T) {
			if p == boundary && os.Getenv(boundariesEnv) == "" {
				t.Skipf("the pair inside one minor needs %s=1 (a helper for %s, minutes cold)", boundariesEnv, p.affected)
			}
			check(t, p.affected, p.fixed)
		})
	}
}
