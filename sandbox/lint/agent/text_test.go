package agent

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun/wire"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/golden"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// recorded reads what Cilium 1.20.2's helper made of the chart's render
// (testdata/result-1.20.2.json, from `sandbox lint --agent -o json`).
func recorded(t *testing.T) *wire.LintResult {
	t.Helper()
	data, err := os.ReadFile("testdata/result-1.20.2.json")
	if err != nil {
		t.Fatal(err)
	}
	var r wire.LintResult
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

// older is r as an older release would make it: copies named
// <namespace>-<name>, no requeue, one policy rejected.
func older(t *testing.T, r *wire.LintResult) *wire.LintResult {
	t.Helper()
	data, _ := json.Marshal(r)
	text := string(data)
	for _, c := range r.Operator.Copies {
		legacy := c.Labels["secretsync.cilium.io/owning-secret-namespace"] + "-" + c.Labels["secretsync.cilium.io/owning-secret-name"]
		text = strings.ReplaceAll(text, c.Name, legacy)
	}
	var out wire.LintResult
	if err := json.Unmarshal([]byte(text), &out); err != nil {
		t.Fatal(err)
	}
	for i := range out.Operator.Reconciles {
		out.Operator.Reconciles[i].RequeueAfter = ""
	}
	out.Policies[1].Error, out.Policies[1].Rules = "Invalid serverName pattern", 0
	return &out
}

func TestReportTextAndCompare(t *testing.T) {
	a := recorded(t)
	b := older(t, a)
	rep := &Report{
		Releases: []Release{
			{Cilium: "1.20.2", Config: "Cilium 1.20.2's Helm chart rendered with the sandbox's values", LintResult: a},
			{Cilium: "1.19.7", Config: "Cilium 1.19.7's Helm chart rendered with the sandbox's values", LintResult: b},
		},
		StandIns: []string{"DNS answer github.com -> 198.18.0.1: assumed"},
	}
	rep.Differences = compare(&rep.Releases[0], &rep.Releases[1])
	sections := map[string]bool{}
	for _, d := range rep.Differences {
		sections[d.Section] = true
	}
	for _, want := range []string{"sanitize verdicts", "operator copies", "operator reconciles", "NPDS Deployment intercept-workload/intercept-workload"} {
		if !sections[want] {
			t.Errorf("no difference in %q; differences: %v", want, sections)
		}
	}
	if sections["Envoy listener Deployment intercept-workload/intercept-workload"] || sections["identities of DNS answers"] {
		t.Errorf("differences where the results agree: %v", sections)
	}
	var out bytes.Buffer
	if err := rep.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/compare.golden", out.Bytes(), *update)
}

func TestProblems(t *testing.T) {
	r := recorded(t)
	r.Workloads[0].SDS = r.Workloads[0].SDS[1:] // one NPDS secret unserved
	r.Policies[0].Error = "rejected"
	rep := &Report{Releases: []Release{{Cilium: "1.20.2", LintResult: r}}}
	var checks []string
	for _, p := range rep.Problems() {
		checks = append(checks, p.Check)
	}
	if got := strings.Join(checks, " "); !strings.Contains(got, CheckAgentParse) || !strings.Contains(got, CheckAgentSDS) {
		t.Fatalf("problems %v, want %s and %s", checks, CheckAgentParse, CheckAgentSDS)
	}
	r.Workloads[0].PolicyError = "Error getting TLS Context"
	checks = nil
	for _, p := range rep.Problems() {
		checks = append(checks, p.Check)
	}
	if got := strings.Join(checks, " "); !strings.Contains(got, CheckAgentPolicy) || strings.Contains(got, CheckAgentSDS) {
		t.Fatalf("problems %v, want %s and no SDS problem for an endpoint without policy", checks, CheckAgentPolicy)
	}
}
