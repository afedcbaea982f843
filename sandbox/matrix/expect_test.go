package matrix

import (
	"strings"
	"testing"

	"github.com/cilium-tls-intercept/sandbox/sandbox/scenario"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

func TestInRange(t *testing.T) {
	sni := ">=1.16.0 <1.16.2 || >=1.16.4"
	cases := []struct {
		expr, version string
		want          bool
	}{
		{sni, "1.16.1", true},
		{sni, "1.16.2", false},
		{sni, "1.16.3", false},
		{sni, "1.16.4", true},
		{sni, "1.20.2", true},
		{"<1.18.0", "1.17.16", true},
		{"<1.18.0", "1.18.0", false},
		{">=1.18.0 <1.19.0", "1.18.10", true},
		{">=1.18.0 <1.19.0", "1.19.5", false},
		{"1.19.x", "1.19.5", true},
		{"!=1.20.2", "1.20.2", false},
		{"=1.20.2", "1.20.2", true},
	}
	for _, c := range cases {
		t.Run(c.expr+" "+c.version, func(t *testing.T) {
			got, err := InRange(versions.MustParseCilium(c.version), c.expr)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Fatalf("InRange(%s, %q) = %v, want %v", c.version, c.expr, got, c.want)
			}
		})
	}
}

func TestParseRangeErrors(t *testing.T) {
	for _, expr := range []string{"", "  ", ">=1.x.banana", "~>1.16", ">=1.16.0 ||"} {
		t.Run(expr, func(t *testing.T) {
			_, err := ParseRange(expr)
			if err == nil {
				t.Fatalf("ParseRange(%q) succeeded, want an error", expr)
			}
			if strings.TrimSpace(expr) != "" && !strings.Contains(err.Error(), expr) {
				t.Fatalf("error %q does not name the expression %q", err, expr)
			}
		})
	}
}

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

// The shipped rules expect one difference on the default releases:
// rotation fails before 1.17, where policy secrets reach Envoy inline
// (cilium/cilium#35513). Every other cell should pass.
func TestDefaultExpectations(t *testing.T) {
	exp := DefaultExpectations()
	for _, v := range versions.DefaultReleases() {
		for _, id := range scenario.All() {
			e := exp.For(id, v)
			wantFail := id == scenario.Rotation && !v.AtLeast(17)
			switch {
			case wantFail && (e == nil || e.Outcome != OutcomeFail || !strings.Contains(e.Ref, "cilium/cilium#35513")):
				t.Errorf("shipped rules for %s on %s: %+v, want an expected failure citing cilium/cilium#35513", id, v, e)
			case !wantFail && e != nil:
				t.Errorf("shipped rules expect %s on %s: %+v", id, v, e)
			}
		}
	}
	for _, v := range []string{"1.16.0", "1.16.19", "1.17.0", "1.17.16"} {
		e := exp.For(scenario.Rotation, versions.MustParseCilium(v))
		if want := strings.HasPrefix(v, "1.16."); (e != nil) != want {
			t.Errorf("rotation on %s: expected %+v, want an expected failure: %v", v, e, want)
		}
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
