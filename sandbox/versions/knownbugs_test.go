package versions

import (
	"strconv"
	"strings"
	"testing"
)

func TestKnownBugsTable(t *testing.T) {
	rows, err := ParseKnownBugs(knownBugsYAML)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 17 {
		t.Fatalf("%d rows, want K1 to K17 at least", len(rows))
	}
	for i, r := range rows {
		if want := "K" + strconv.Itoa(i+1); r.ID != want {
			t.Errorf("row %d is %s, want %s (rows in ID order, none skipped)", i+1, r.ID, want)
		}
		if r.Shows == ShowsGo && r.Evidence == "" {
			t.Errorf("%s: shows go but names no evidence", r.ID)
		}
		if r.Kind == KindBug && len(r.Refs) == 0 {
			t.Errorf("%s: a bug with no reference", r.ID)
		}
	}
}

// TestKnownBugRanges pins each row's boundaries: the last affected and the
// first fixed release of every line it touches, as its source confirmed.
func TestKnownBugRanges(t *testing.T) {
	cases := []struct {
		id       string
		affected []string
		not      []string
	}{
		{"K1", nil, []string{"1.16.0", "1.20.2"}},
		{"K2", []string{"1.16.2", "1.16.3"}, []string{"1.16.1", "1.16.4", "1.17.0"}},
		{"K3", []string{"1.17.0", "1.17.17", "1.18.0", "1.18.7", "1.19.0", "1.19.1"}, []string{"1.16.19", "1.18.8", "1.18.11", "1.19.2", "1.19.7", "1.20.0"}},
		{"K4", []string{"1.16.19", "1.17.17"}, []string{"1.18.0"}},
		{"K5", []string{"1.18.11"}, []string{"1.19.0"}},
		{"K6", []string{"1.16.19"}, []string{"1.17.0"}},
		{"K7", []string{"1.16.0", "1.16.19"}, []string{"1.17.0", "1.20.2"}},
		{"K8", []string{"1.17.0", "1.17.17", "1.18.4"}, []string{"1.16.19", "1.18.5", "1.19.0"}},
		{"K9", []string{"1.17.0", "1.17.17", "1.18.11", "1.19.3"}, []string{"1.16.19", "1.19.4", "1.20.0"}},
		{"K10", []string{"1.17.0", "1.18.11", "1.19.5"}, []string{"1.16.19", "1.19.6", "1.19.7", "1.20.0"}},
		{"K11", []string{"1.16.0", "1.16.3"}, []string{"1.16.4", "1.17.0"}},
		{"K12", []string{"1.16.19", "1.17.14", "1.18.8", "1.19.2"}, []string{"1.17.15", "1.18.9", "1.19.3", "1.20.0"}},
		{"K13", []string{"1.16.15", "1.17.3"}, []string{"1.16.16", "1.17.4", "1.18.0"}},
		{"K14", []string{"1.20.0"}, []string{"1.19.7", "1.20.1", "1.20.2"}},
		{"K15", []string{"1.18.0", "1.18.4"}, []string{"1.17.17", "1.18.5"}},
		{"K16", []string{"1.17.17", "1.18.4"}, []string{"1.16.19", "1.18.5", "1.19.0"}},
		{"K17", []string{"1.17.0", "1.20.2"}, []string{"1.16.19"}},
		{"K18", []string{"1.18.0", "1.19.7"}, []string{"1.17.17", "1.20.0"}},
		{"K19", []string{"1.17.17"}, []string{"1.18.0"}},
	}
	for _, c := range cases {
		r := KnownBugByID(c.id)
		for _, s := range c.affected {
			if !r.Affects(MustParseCilium(s)) {
				t.Errorf("%s %q does not contain %s", c.id, r.Affected, s)
			}
		}
		for _, s := range c.not {
			if r.Affects(MustParseCilium(s)) {
				t.Errorf("%s %q contains %s", c.id, r.Affected, s)
			}
		}
	}
}

func TestParseKnownBugsErrors(t *testing.T) {
	row := func(extra string) string {
		return "- {id: K1, kind: bug, title: t, happens: h, fix: f, shows: go, evidence: e, confirmed: c, refs: [cilium/cilium#1], " + extra + "}"
	}
	cases := []struct{ name, yaml, want string }{
		{"no range", row(""), "no affected range"},
		{"bad range", row(`affected: "~>1.16"`), `invalid version range "~>1.16"`},
		{"bad id", strings.Replace(row(`affected: "<1.17.0"`), "K1", "X1", 1), `id "X1"`},
		{"bad ref", strings.Replace(row(`affected: "<1.17.0"`), "cilium/cilium#1", "'issue 1'", 1), `ref "issue 1"`},
		{"fix inside", row(`affected: "<1.17.0", fixedIn: [1.16.4]`), "fixedIn 1.16.4 is inside"},
		{"fix after a gap", row(`affected: "<1.17.0", fixedIn: [1.17.3]`), "1.17.2 before it is not in the affected range"},
		{"fix unsorted", row(`affected: "<1.17.0", fixedIn: [1.18.0, 1.17.0]`), "oldest first"},
		{"no source", strings.Replace(row(`affected: "<1.17.0"`), "confirmed: c", "confirmed: ''", 1), "no source confirming"},
		{"unknown field", row(`affected: "<1.17.0", since: 1.16`), "unknown field"},
		{"unknown scenario", row(`affected: "<1.17.0", scenarios: [sni]`), `unknown scenario "sni"`},
		{"twice", row(`affected: "<1.17.0"`) + "\n" + row(`affected: "<1.17.0"`), "K1 given twice"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseKnownBugs([]byte(c.yaml))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestFixedText(t *testing.T) {
	cases := []struct{ id, v, want string }{
		{"K3", "1.17.17", "fixed in 1.18.8"},
		{"K3", "1.18.6", "fixed in 1.18.8"},
		{"K3", "1.19.1", "fixed in 1.19.2"},
		{"K9", "1.18.11", "fixed in 1.19.4"},
		{"K14", "1.20.0", "fixed in 1.20.1"},
		{"K17", "1.20.2", "no release fixes it yet"},
	}
	for _, c := range cases {
		if got := KnownBugByID(c.id).FixedText(MustParseCilium(c.v)); got != c.want {
			t.Errorf("%s on %s: %q, want %q", c.id, c.v, got, c.want)
		}
	}
}

func TestInstallWarnings(t *testing.T) {
	cases := []struct {
		v    string
		want []string
	}{
		{"1.16.2", []string{"K2", "K13"}},
		{"1.16.19", nil},
		{"1.17.17", nil},
		{"1.18.4", []string{"K15"}},
		{"1.18.11", nil},
		{"1.19.7", nil},
		{"1.20.0", []string{"K14"}},
		{"1.20.2", nil},
	}
	for _, c := range cases {
		var got []string
		for _, r := range InstallWarnings(MustParseCilium(c.v)) {
			got = append(got, r.ID)
		}
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%s: install warnings %v, want %v", c.v, got, c.want)
		}
	}
	msg := KnownBugByID(ADSLivelock).InstallWarningText(MustParseCilium("1.20.0"))
	for _, want := range []string{"Cilium 1.20.0 has known bug K14 (cilium/cilium#47624)", "fixed in 1.20.1", "--set envoy.xdsMode=split"} {
		if !strings.Contains(msg, want) {
			t.Errorf("K14 warning %q lacks %q", msg, want)
		}
	}
}

func TestRange(t *testing.T) {
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
		{"<1.18.0", "1.17.17", true},
		{"<1.18.0", "1.18.0", false},
		{">=1.18.0 <1.19.0", "1.18.11", true},
		{">=1.18.0 <1.19.0", "1.19.7", false},
		{"1.19.x", "1.19.7", true},
		{"!=1.20.2", "1.20.2", false},
		{"=1.20.2", "1.20.2", true},
	}
	for _, c := range cases {
		r, err := ParseRange(c.expr)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Contains(MustParseCilium(c.version)); got != c.want {
			t.Errorf("%q contains %s = %v, want %v", c.expr, c.version, got, c.want)
		}
	}
	if (Range{}).Contains(MustParseCilium("1.20.2")) {
		t.Error("the zero Range contains 1.20.2")
	}
}

func TestParseRangeErrors(t *testing.T) {
	for _, expr := range []string{"", "  ", ">=1.x.banana", "~>1.16", ">=1.16.0 ||"} {
		_, err := ParseRange(expr)
		if err == nil {
			t.Errorf("ParseRange(%q) succeeded, want an error", expr)
			continue
		}
		if strings.TrimSpace(expr) != "" && !strings.Contains(err.Error(), expr) {
			t.Errorf("error %q does not name the expression %q", err, expr)
		}
	}
}

func TestRangeSpans(t *testing.T) {
	cases := []struct{ id, want string }{
		{"K3", "1.17.0 to 1.17.17, 1.18.0 to 1.18.7, 1.19.0 to 1.19.1"},
		{"K14", "1.20.0"},
		{"K1", ""},
		{"K7", "1.16.0 to 1.16.19"},
	}
	for _, c := range cases {
		if got := KnownBugByID(c.id).Affected.Spans(); got != c.want {
			t.Errorf("%s spans %q, want %q", c.id, got, c.want)
		}
	}
}
