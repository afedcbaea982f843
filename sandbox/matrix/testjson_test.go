package matrix

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cilium-tls-intercept/sandbox/sandbox/scenario"
)

func TestScenarioOf(t *testing.T) {
	cases := []struct {
		test  string
		id    string
		depth int
	}{
		{"TestScenarios/intercept", scenario.Intercept, 1},
		{"TestScenarios/intercept/served_chain_ends_at_the_sandbox_CA", scenario.Intercept, 1},
		{"TestScenarios/wildcard-groups", scenario.WildcardGroups, 1},
		{"TestScenarios/rotation:_renewed_leaf", scenario.Rotation, 1},
		{"TestRotation", scenario.Rotation, 0},
		{"TestRotation/renewed_leaf", scenario.Rotation, 0},
		{"TestCACrtInSecret", scenario.CACrtInSecret, 0},
		{"TestL7Deny", scenario.L7Deny, 0},
		{"TestHubbleVisibility", scenario.HubbleVisibility, 0},
		{"TestPassThrough", scenario.PassThrough, 0},
		{"TestNegativeControl/x", scenario.NegativeControl, 0},
		{"TestWildcardGroups", scenario.WildcardGroups, 0},
		{"TestScenarios", "", 0},
		{"TestInterceptor", "", 0},
		{"TestScenarios/intercepted-domains", "", 0},
		{"TestScenarios/interception", "", 0},
		{"", "", 0},
	}
	for _, c := range cases {
		t.Run(c.test, func(t *testing.T) {
			id, depth := ScenarioOf(c.test)
			if id != c.id || depth != c.depth {
				t.Fatalf("ScenarioOf(%q) = %q, %d; want %q, %d", c.test, id, depth, c.id, c.depth)
			}
		})
	}
}

// suiteFeatures maps testdata/suite's features to their scenarios, as
// Discover finds them (TestGoTestRunsSuite checks it against the suite).
var suiteFeatures = map[string]string{
	"TestScenarios/CA_chain_bootstraps_in_cert-manager": scenario.Intercept,
	"TestScenarios/wildcard_groups":                     scenario.WildcardGroups,
	"TestScenarios/other_domains":                       scenario.PassThrough,
	"TestScenarios/denied_path":                         scenario.L7Deny,
	"TestScenarios/hubble_flows":                        scenario.HubbleVisibility,
	"TestScenarios/leaf_renewal":                        scenario.Rotation,
	"TestScenarios/renewed_leaf_served":                 scenario.Rotation,
	"TestScenarios/ca.crt_in_the_leaf_secret":           scenario.CACrtInSecret,
	"TestScenarios/unlisted_domain":                     scenario.NegativeControl,
	"TestScenarios/host_in_no_policy":                   scenario.DefaultDeny,
	"TestScenarios/credential_injection":                scenario.CredentialInjection,
}

func foldFile(t *testing.T, name string, selected []string, features map[string]string) ([]ScenarioResult, []string) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "events", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rs, suite, err := Fold(f, selected, features)
	if err != nil {
		t.Fatal(err)
	}
	return rs, suite
}

func byID(rs []ScenarioResult) map[string]ScenarioResult {
	m := map[string]ScenarioResult{}
	for _, r := range rs {
		m[r.ID] = r
	}
	return m
}

// The suite-*.jsonl event files are real `go test -json` output of
// testdata/suite, an e2e-framework suite shaped like ./scenarios:
//
//	go test -count=1 -json ./sandbox/matrix/testdata/suite -args --provider=existing --kubeconfig=/tmp/kc --cilium-version=1.17.16
//	go test -count=1 -json ./sandbox/matrix/testdata/suite -args --provider=existing --kubeconfig=/tmp/kc --cilium-version=1.18.10 --labels=scenario=rotation
func TestFoldSuite(t *testing.T) {
	rs, _ := foldFile(t, "suite-1.17.16.jsonl", scenario.All(), suiteFeatures)
	if len(rs) != len(scenario.All()) {
		t.Fatalf("got %d results, want %d: %+v", len(rs), len(scenario.All()), rs)
	}
	for i, id := range scenario.All() {
		if rs[i].ID != id {
			t.Fatalf("result %d is %q, want %q (column order)", i, rs[i].ID, id)
		}
	}
	m := byID(rs)
	want := map[string]struct {
		outcome Outcome
		detail  string
	}{
		scenario.Intercept:       {OutcomePass, ""},
		scenario.WildcardGroups:  {OutcomeSkip, "wildcard serverNames need Cilium 1.18"},
		scenario.Rotation:        {OutcomeFail, "served certificate did not change after renewal: serial 1f still served after 2m0s"},
		scenario.NegativeControl: {OutcomePass, ""},
		scenario.DefaultDeny:     {OutcomeSkip, "needs --upstream=internet"},
	}
	for id, w := range want {
		if m[id].Outcome != w.outcome || m[id].Detail != w.detail {
			t.Errorf("%s = %s %q, want %s %q", id, m[id].Outcome, m[id].Detail, w.outcome, w.detail)
		}
	}
	// The features' names do not say their scenario: without Discover's
	// mapping nothing is attributed and every scenario reads "not run".
	rs, _ = foldFile(t, "suite-1.17.16.jsonl", scenario.All(), nil)
	if !allErrors(rs) {
		t.Errorf("without the feature map: %+v, want every scenario without a result", rs)
	}
}

func TestFoldLabelFilter(t *testing.T) {
	rs, _ := foldFile(t, "suite-1.18.10-rotation.jsonl", []string{scenario.Rotation}, suiteFeatures)
	if len(rs) != 1 || rs[0].ID != scenario.Rotation || rs[0].Outcome != OutcomePass {
		t.Fatalf("got %+v, want only rotation, passed", rs)
	}
	// Selecting everything from a filtered run must not record the
	// filtered features as skipped.
	rs, _ = foldFile(t, "suite-1.18.10-rotation.jsonl", scenario.All(), suiteFeatures)
	for _, r := range rs {
		if r.ID != scenario.Rotation {
			t.Errorf("filtered-out feature %s recorded as %s %q", r.ID, r.Outcome, r.Detail)
		}
	}
}

func TestFoldNoResults(t *testing.T) {
	in := strings.Join([]string{
		`{"Action":"start","Package":"example/scenarios"}`,
		`{"Action":"output","Package":"example/scenarios","Output":"setup: cluster unreachable: connection refused\n"}`,
		`{"Action":"output","Package":"example/scenarios","Output":"FAIL\texample/scenarios\t0.1s\n"}`,
		`{"Action":"fail","Package":"example/scenarios","Elapsed":0.1}`,
		`not json at all`,
	}, "\n")
	rs, suite, err := Fold(strings.NewReader(in), []string{scenario.Intercept, scenario.Rotation}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0].Outcome != OutcomeError || rs[1].Outcome != OutcomeError {
		t.Fatalf("got %+v, want two error results", rs)
	}
	joined := strings.Join(suite, "\n")
	for _, w := range []string{"cluster unreachable", "not json at all"} {
		if !strings.Contains(joined, w) {
			t.Errorf("suite output %q lacks %q", joined, w)
		}
	}
}

func TestKebab(t *testing.T) {
	for in, want := range map[string]string{
		"CACrtInSecret": "ca-crt-in-secret", "L7Deny": "l7-deny", "HubbleVisibility": "hubble-visibility",
		"Intercept": "intercept", "TLSRotation": "tls-rotation",
	} {
		if got := kebab(in); got != want {
			t.Errorf("kebab(%q) = %q, want %q", in, got, want)
		}
	}
}

// scenarios-hermetic-dryrun-rotation.jsonl is recorded from ./scenarios
// itself, the way the matrix runs it (cd scenarios; go test -c; then
// go tool test2json -t -p scenarios ./scenarios.test -test.v=test2json
// -test.count=1 --provider=hermetic --dry-run --labels=scenario=rotation).
// Its scenarios are test functions named after the scenario (TestIntercept,
// TestDefaultDeny); in dry-run mode e2e-framework lists every feature, the
// label filter skips all but rotation's, and rotation's assessments are
// listed as passed without running.
func TestFoldRecordedScenarios(t *testing.T) {
	rs, suite := foldFile(t, "scenarios-hermetic-dryrun-rotation.jsonl", scenario.All(), nil)
	if len(rs) != 1 || rs[0].ID != scenario.Rotation || rs[0].Outcome != OutcomePass {
		t.Fatalf("got %+v, want rotation only: the other scenarios were filtered out by label", rs)
	}
	if !strings.Contains(strings.Join(suite, "\n"), "TestWorkflowsLint") {
		t.Errorf("unit tests' output should be left to the suite output, got %q", suite)
	}
	b, err := os.ReadFile(filepath.Join("testdata", "events", "scenarios-hermetic-dryrun-rotation.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	skipped, ran := labelSkips(b)
	features := []string{"TestIntercept/intercept", "TestWildcardGroups/wildcard-groups", "TestPassThrough/pass-through",
		"TestL7Deny/l7-deny", "TestHubbleVisibility/hubble-visibility", "TestRotation/rotation",
		"TestCACrtInSecret/ca-crt-in-secret", "TestNegativeControl/negative-control", "TestDefaultDeny/default-deny",
		"TestCredentialInjection/credential-injection"}
	for _, name := range features {
		rotation := name == "TestRotation/rotation"
		if skipped[name] == rotation || ran[name] != rotation {
			t.Errorf("%s: label-skipped %v, ran %v; want only rotation's feature to run", name, skipped[name], ran[name])
		}
	}
	// The recording lists the hermetic tiers' features too, label-skipped
	// as well; of the scenarios' features all but rotation's are.
	n := 0
	for _, name := range features {
		if skipped[name] {
			n++
		}
	}
	if n != len(features)-1 {
		t.Errorf("label-skipped %v, want the %d features other than rotation's", skipped, len(features)-1)
	}
}

// A scenario named by its test function (depth 0) whose feature passed
// while every assessment skipped was skipped; one passing assessment
// makes it a pass.
func TestFoldLeafOutcomes(t *testing.T) {
	events := func(second string) string {
		lines := []string{
			`{"Action":"run","Test":"TestRotation"}`,
			`{"Action":"run","Test":"TestRotation/rotation"}`,
			`{"Action":"run","Test":"TestRotation/rotation/renewed"}`,
			`{"Action":"output","Test":"TestRotation/rotation/renewed","Output":"    rotation_test.go:33: needs --upstream=internet\n"}`,
			`{"Action":"skip","Test":"TestRotation/rotation/renewed"}`,
			`{"Action":"run","Test":"TestRotation/rotation/served"}`,
			`{"Action":"` + second + `","Test":"TestRotation/rotation/served"}`,
			`{"Action":"pass","Test":"TestRotation/rotation"}`,
			`{"Action":"pass","Test":"TestRotation","Elapsed":2.5}`,
		}
		return strings.Join(lines, "\n")
	}
	for second, want := range map[string]Outcome{"skip": OutcomeSkip, "pass": OutcomePass} {
		rs, _, err := Fold(strings.NewReader(events(second)), []string{scenario.Rotation}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 1 || rs[0].Outcome != want || rs[0].Seconds != 2.5 {
			t.Errorf("second assessment %s: got %+v, want %s in 2.5s", second, rs, want)
		}
		if want == OutcomeSkip && rs[0].Detail != "needs --upstream=internet" {
			t.Errorf("skip detail = %q", rs[0].Detail)
		}
	}
}

// A scenario the suite failed because its setup failed did not run: no
// known bug may read it as an expected failure.
func TestFoldSetupFailureIsError(t *testing.T) {
	in := strings.Join([]string{
		`{"Action":"run","Package":"s","Test":"TestRotation"}`,
		`{"Action":"output","Package":"s","Test":"TestRotation","Output":"    setup_test.go:280: scenario setup (provider agent): helper glue does not implement cluster mode\n"}`,
		`{"Action":"fail","Package":"s","Test":"TestRotation","Elapsed":0}`,
		`{"Action":"run","Package":"s","Test":"TestIntercept"}`,
		`{"Action":"output","Package":"s","Test":"TestIntercept","Output":"    features_test.go:24: served the public chain\n"}`,
		`{"Action":"fail","Package":"s","Test":"TestIntercept","Elapsed":0}`,
	}, "\n")
	rs, _, err := Fold(strings.NewReader(in), []string{scenario.Intercept, scenario.Rotation}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Outcome{}
	for _, r := range rs {
		got[r.ID] = r.Outcome
	}
	if got[scenario.Rotation] != OutcomeError || got[scenario.Intercept] != OutcomeFail {
		t.Errorf("outcomes %v, want rotation %s (setup failed), intercept %s", got, OutcomeError, OutcomeFail)
	}
}
