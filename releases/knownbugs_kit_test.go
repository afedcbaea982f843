//go:build releases && linux

package releases

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/cilium-tls-intercept/sandbox/cmd/sandbox/app"
	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun/wire"
	"github.com/cilium-tls-intercept/sandbox/sandbox/lint/agent"
)

// lintRow runs `sandbox lint --agent -o json ARGS...` as a user runs it
// (the command's own entry point, so the flags, the configuration and the
// helpers are had exactly as there) and returns what the releases' own
// code made of the manifests. Lint's own checks may fail (exit 1): the
// known-bug rows are about what the agent and the operator do, which the
// report carries either way; a lint that could not run (exit 2) fails
// the test with its standard error.
func lintRow(t *testing.T, args ...string) *agent.Report {
	t.Helper()
	var out, errOut bytes.Buffer
	all := append([]string{"lint", "--agent", "-o", "json"}, args...)
	code := app.Main(all, strings.NewReader(""), &out, &errOut)
	if code != app.ExitOK && code != app.ExitFailed {
		t.Fatalf("sandbox %s: exit %d\n%s", strings.Join(all, " "), code, errOut.String())
	}
	var rep struct {
		Agent *agent.Report `json:"agent"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil || rep.Agent == nil {
		t.Fatalf("sandbox %s: no agent report in its JSON (%v)\n%s", strings.Join(all, " "), err, errOut.String())
	}
	for _, r := range rep.Agent.Releases {
		if r.LintResult == nil {
			t.Fatalf("sandbox %s: Cilium %s gave no result", strings.Join(all, " "), r.Cilium)
		}
		how := "cached"
		if r.Helper.Built {
			how = "built"
		}
		t.Logf("Cilium %s: helper %s in %.0fs (%s)", r.Cilium, how, r.Helper.Took, r.Config)
	}
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

// viewOf returns the release's view of the workload named name
// ("Deployment app/client").
func viewOf(t *testing.T, r *agent.Release, name string) *wire.WorkloadView {
	t.Helper()
	for i := range r.Workloads {
		if r.Workloads[i].Workload.Name == name {
			return &r.Workloads[i]
		}
	}
	t.Fatalf("Cilium %s computed no view of %s", r.Cilium, name)
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
