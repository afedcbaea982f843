package matrix

import (
	"strings"
	"testing"

	"github.com/cilium-tls-intercept/sandbox/sandbox/scenario"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

func TestParseExpectationsErrors(t *testing.T) {
	cases := []struct{ name, yaml, want string }{
		{"unknown scenario", `[{scenarios: [sni], versions: "<1.18.0", outcome: skip, reason: r}]`, `rule 1: unknown scenario "sni"`},
		{"no scenarios", `[{versions: "<1.18.0", outcome: skip, reason: r}]`, "rule 1: no scenarios"},
		{"bad outcome", `[{scenarios: [rotation], versions: "<1.18.0", outcome: pass, reason: r}]`, `outcome "pass": want skip or fail`},
		{"no reason", `[{scenarios: [rotation], versions: "<1.18.0", outcome: skip}]`, `no reason for "<1.18.0"`},
		{"bad range", `[{scenarios: [rotation], versions: "1.18 or later", outcome: skip, reason: r}]`, `invalid version range "1.18 or later"`},
		{"unknown field", `[{scenarios: [rotation], version: "<1.18.0", outcome: skip, reason: r}]`, `unknown field "version"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseExpectations([]byte(c.yaml))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error = %v, want it to contain %q", err, c.want)
			}
		})
	}
}

// The shipped rules come from the table of known bugs: on the default
// releases two differences are expected, rotation and credential-injection
// failing on 1.16 where policy and header secrets reach Envoy inline (K7,
// cilium/cilium#35513); on 1.16.2 and 1.16.3
// Envoy's SNI regression (K2) fails wildcard-groups and pass-through.
func TestDefaultExpectations(t *testing.T) {
	exp := DefaultExpectations()
	for _, v := range versions.DefaultReleases() {
		for _, id := range scenario.All() {
			e := exp.For(id, v)
			wantFail := (id == scenario.Rotation || id == scenario.CredentialInjection) && !v.AtLeast(17)
			switch {
			case wantFail && (e == nil || e.Outcome != OutcomeFail || e.Ref != "K7, cilium/cilium#35513"):
				t.Errorf("shipped rules for %s on %s: %+v, want an expected failure citing K7, cilium/cilium#35513", id, v, e)
			case !wantFail && e != nil:
				t.Errorf("shipped rules expect %s on %s: %+v", id, v, e)
			}
		}
	}
	cases := []struct {
		scenario, version, ref string
	}{
		{scenario.Rotation, "1.16.0", "K7, cilium/cilium#35513"},
		{scenario.Rotation, "1.17.0", ""},
		{scenario.WildcardGroups, "1.16.2", "K2, cilium/proxy#890"},
		{scenario.PassThrough, "1.16.3", "K2, cilium/proxy#890"},
		{scenario.PassThrough, "1.16.4", ""},
		{scenario.Intercept, "1.16.3", ""},
	}
	for _, c := range cases {
		e := exp.For(c.scenario, versions.MustParseCilium(c.version))
		if (e == nil) != (c.ref == "") || (e != nil && (e.Ref != c.ref || e.Outcome != OutcomeFail)) {
			t.Errorf("%s on %s: expected %+v, want ref %q", c.scenario, c.version, e, c.ref)
		}
	}
}

// TestGoExpectations: the in-process matrix expects K7 on 1.16 but not
// Envoy's SNI regression (K2), which only a live Envoy shows.
func TestGoExpectations(t *testing.T) {
	exp := GoExpectations()
	if e := exp.For(scenario.Rotation, versions.MustParseCilium("1.16.19")); e == nil || e.Ref != "K7, cilium/cilium#35513" {
		t.Errorf("rotation on 1.16.19: %+v, want K7", e)
	}
	if e := exp.For(scenario.PassThrough, versions.MustParseCilium("1.16.3")); e != nil {
		t.Errorf("pass-through on 1.16.3: %+v, want none (K2 is Envoy's)", e)
	}
}

// TestExpectationsFollowTheTable: every row naming scenarios gives one rule
// with its range, title and ID, and a row naming an unknown scenario is refused.
func TestExpectationsFollowTheTable(t *testing.T) {
	rows := versions.KnownBugs()
	exp, err := ExpectationsFromKnownBugs(rows)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range rows {
		if len(r.Scenarios) == 0 {
			continue
		}
		if e := exp[n]; e.Versions != r.Affected.String() || e.Reason != r.Title || !strings.HasPrefix(e.Ref, r.ID+", ") {
			t.Errorf("rule %d %+v does not follow row %s", n, e, r.ID)
		}
		n++
	}
	if n != len(exp) || n == 0 {
		t.Fatalf("%d rules from %d rows naming scenarios", len(exp), n)
	}
	bad := rows[0]
	bad.Scenarios = []string{"sni"}
	if _, err := ExpectationsFromKnownBugs([]versions.KnownBug{bad}); err == nil || !strings.Contains(err.Error(), `K1: unknown scenario "sni"`) {
		t.Fatalf("a row naming an unknown scenario: %v", err)
	}
}

func TestSampleExpectations(t *testing.T) {
	exp := sampleExpectations(t)
	cases := []struct {
		scenario, version string
		want              Outcome // "" means: should pass
		reason            string
	}{
		{scenario.WildcardGroups, "1.16.19", OutcomeSkip, "wildcard serverNames need Cilium 1.18"},
		{scenario.WildcardGroups, "1.17.16", OutcomeSkip, "wildcard serverNames"},
		{scenario.WildcardGroups, "1.18.10", OutcomeSkip, `"**."`},
		{scenario.WildcardGroups, "1.19.5", "", ""},
		{scenario.WildcardGroups, "1.20.2", "", ""},
		{scenario.Intercept, "1.16.2", OutcomeFail, "SNI"},
		{scenario.Intercept, "1.16.3", OutcomeFail, "SNI"},
		{scenario.WildcardGroups, "1.16.3", OutcomeFail, "SNI"},
		{scenario.Intercept, "1.16.4", "", ""},
		{scenario.Intercept, "1.16.19", "", ""},
		{scenario.NegativeControl, "1.16.3", "", ""},
		{scenario.Rotation, "1.20.2", "", ""},
	}
	for _, c := range cases {
		t.Run(c.scenario+"@"+c.version, func(t *testing.T) {
			got := exp.For(c.scenario, versions.MustParseCilium(c.version))
			if c.want == "" {
				if got != nil {
					t.Fatalf("For = %+v, want no expectation", got)
				}
				return
			}
			if got == nil || got.Outcome != c.want || !strings.Contains(got.Reason, c.reason) {
				t.Fatalf("For = %+v, want outcome %s with reason containing %q", got, c.want, c.reason)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	skip := &Expected{Outcome: OutcomeSkip, Reason: "r"}
	fail := &Expected{Outcome: OutcomeFail, Reason: "r"}
	cases := []struct {
		outcome    Outcome
		exp        *Expected
		want       Verdict
		unexpected bool
	}{
		{OutcomePass, nil, VerdictPass, false},
		{OutcomeFail, nil, VerdictFail, true},
		{OutcomeSkip, nil, VerdictSkip, false},
		{OutcomeError, nil, VerdictError, true},
		{OutcomeSkip, skip, VerdictExpectedSkip, false},
		{OutcomeFail, fail, VerdictExpectedFail, false},
		{OutcomePass, skip, VerdictUnexpectedPass, true},
		{OutcomePass, fail, VerdictUnexpectedPass, true},
		{OutcomeFail, skip, VerdictFail, true},
		{OutcomeSkip, fail, VerdictSkip, false},
		{OutcomeError, fail, VerdictError, true},
	}
	for _, c := range cases {
		name := string(c.outcome) + "/none"
		if c.exp != nil {
			name = string(c.outcome) + "/" + string(c.exp.Outcome)
		}
		t.Run(name, func(t *testing.T) {
			got := Classify(c.outcome, c.exp)
			if got != c.want || got.Unexpected() != c.unexpected {
				t.Fatalf("Classify = %s (unexpected %v), want %s (unexpected %v)", got, got.Unexpected(), c.want, c.unexpected)
			}
		})
	}
}
