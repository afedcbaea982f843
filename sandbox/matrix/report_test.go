package matrix

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cilium-tls-intercept/sandbox/sandbox/scenario"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

func TestReportsGolden(t *testing.T) {
	sample := fixture(t, "results.json")
	merged := fixture(t, "results.json")
	merged.Merge(fixture(t, "rerun-1.18.10-rotation.json"))
	cases := []struct {
		name string
		r    *Results
	}{
		{"sample", sample},
		{"sample-rerun", merged},
		{"verdicts", verdictsResults()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			golden(t, c.name+".md", c.r.Markdown())
			golden(t, c.name+".txt", c.r.Text())
			js, err := c.r.JSON()
			if err != nil {
				t.Fatal(err)
			}
			golden(t, c.name+".json", js)
		})
	}
}

// verdictsResults has one cell of every verdict, a not-run row and text
// that needs escaping in Markdown.
func verdictsResults() *Results {
	exp := &Expected{Outcome: OutcomeSkip, Reason: "wildcard serverNames need Cilium 1.18"}
	return &Results{SchemaVersion: SchemaVersion, Runs: []Run{
		{Cilium: "1.17.16", ClusterName: "cti-1-17-16", Scenarios: []ScenarioResult{
			{ID: scenario.Intercept, Outcome: OutcomePass, Verdict: VerdictPass, Seconds: 3},
			{ID: scenario.WildcardGroups, Outcome: OutcomePass, Verdict: VerdictUnexpectedPass, Expected: exp},
			{ID: scenario.L7Deny, Outcome: OutcomeFail, Verdict: VerdictFail, Detail: "curl exit 0 | want 22 (403)"},
			{ID: scenario.Rotation, Outcome: OutcomeSkip, Verdict: VerdictSkip, Detail: "needs --upstream=internet"},
		}, RootCause: "secret-keys: intercept-github-tls lacks tls.key"},
		{Cilium: "1.18.10", ClusterName: "cti-1-18-10", Error: "sandbox up: install cilium: timed out",
			Scenarios: []ScenarioResult{{ID: scenario.Intercept, Outcome: OutcomeError, Verdict: VerdictError, Detail: "sandbox up failed"}}},
	}}
}

func TestMarkdownMarksEveryVerdict(t *testing.T) {
	md := string(verdictsResults().Markdown())
	for _, want := range []string{"✅ pass", "❗ **unexpected pass**: expected skip: wildcard serverNames need Cilium 1.18",
		`❌ **fail**: curl exit 0 \| want 22 (403)`, "⏭️ skip: needs --upstream=internet", "⛔ **not run**: sandbox up failed",
		"secret-keys: intercept-github-tls lacks tls.key", "| — |"} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	sample := string(fixture(t, "results.json").Markdown())
	for _, want := range []string{"> SAMPLE", "🟡 expected fail (K2, cilium/proxy#890): serverNames (SNI)", "⚪ expected skip (K4, cilium/cilium#38615): wildcard serverNames need Cilium 1.18"} {
		if !strings.Contains(sample, want) {
			t.Errorf("sample Markdown lacks %q", want)
		}
	}
}

func TestRecordMergesARerunCell(t *testing.T) {
	dir := t.TempDir()
	if _, err := Record(dir, fixture(t, "results.json")); err != nil {
		t.Fatal(err)
	}
	merged, err := Record(dir, fixture(t, "rerun-1.18.10-rotation.json"))
	if err != nil {
		t.Fatal(err)
	}
	onDisk, err := LoadResults(filepath.Join(dir, ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(merged)
	b, _ := json.Marshal(onDisk)
	if string(a) != string(b) {
		t.Fatal("results.json on disk differs from the returned merge")
	}
	if len(onDisk.Runs) != 6 {
		t.Fatalf("got %d rows, want 6 (the re-run must not add a row)", len(onDisk.Runs))
	}
	row := onDisk.Runs[3]
	// The sample rows hold the cells of the scenarios of their time.
	if want := len(fixture(t, "results.json").Runs[3].Scenarios); row.Cilium != "1.18.10" || len(row.Scenarios) != want {
		t.Fatalf("row 3 = %s with %d cells, want 1.18.10 with %d", row.Cilium, len(row.Scenarios), want)
	}
	if c := row.cell(scenario.Rotation); c.Verdict != VerdictFail || c.Seconds != 181.2 {
		t.Fatalf("rotation cell = %+v, want the re-run's failure", c)
	}
	if c := row.cell(scenario.Intercept); c.Verdict != VerdictPass || c.RanAt.Day() != 20 {
		t.Fatalf("intercept cell = %+v, want the earlier run's pass kept", c)
	}
	md, err := os.ReadFile(filepath.Join(dir, MarkdownFile))
	if err != nil || !strings.Contains(string(md), "❌ **fail**: served certificate did not change") {
		t.Fatalf("matrix.md does not show the re-run failure (err %v)", err)
	}
	if err := onDisk.Check(); err == nil || !strings.Contains(err.Error(), "1.18.10 rotation: fail") {
		t.Fatalf("Check = %v, want the re-run failure listed", err)
	}
}

// The sample results must agree with the sample rules they were made with.
func TestSampleAgreesWithExpectations(t *testing.T) {
	exp := sampleExpectations(t)
	for _, run := range fixture(t, "results.json").Runs {
		v, err := versions.ParseCilium(run.Cilium)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range run.Scenarios {
			want := exp.For(c.ID, v)
			if (want == nil) != (c.Expected == nil) || want != nil && *want != *c.Expected {
				t.Errorf("%s %s: sample expects %+v, the sample rules say %+v", run.Cilium, c.ID, c.Expected, want)
			}
			if got := Classify(c.Outcome, c.Expected); got != c.Verdict {
				t.Errorf("%s %s: sample verdict %s, Classify says %s", run.Cilium, c.ID, c.Verdict, got)
			}
		}
	}
}

// Results recorded before a scenario existed still load, check and render:
// a later run of one release adds the new column, and the older rows show
// a dash there rather than a failure.
func TestResultsBeforeAScenarioExisted(t *testing.T) {
	old := fixture(t, "results.json")
	var newest Run
	for i, run := range old.Runs {
		if run.Cilium == "1.20.2" {
			newest = run
			newest.Scenarios = slices.Clone(run.Scenarios)
		}
		old.Runs[i].Scenarios = slices.DeleteFunc(run.Scenarios, func(s ScenarioResult) bool { return s.ID == scenario.DefaultDeny })
	}
	dir := t.TempDir()
	if err := Write(dir, old); err != nil {
		t.Fatal(err)
	}
	before, err := LoadResults(filepath.Join(dir, ResultsFile))
	if err != nil || before.Check() != nil || strings.Contains(string(before.Markdown()), scenario.DefaultDeny) {
		t.Fatalf("results without default-deny: err %v, Check %v; want them loaded, clean and without the column", err, before.Check())
	}
	merged, err := Record(dir, &Results{Runs: []Run{newest}})
	if err != nil {
		t.Fatal(err)
	}
	if err := merged.Check(); err != nil {
		t.Fatalf("Check = %v, want a missing cell not to count as unexpected", err)
	}
	md := string(merged.Markdown())
	for _, want := range []string{"| negative-control | default-deny |", "| ✅ pass | — |"} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	text := strings.Split(string(merged.Text()), "\n")
	last := func(line string) string { f := strings.Fields(line); return f[len(f)-1] }
	if last(text[1]) != "-" || last(text[6]) != "pass" {
		t.Errorf("text rows should end with - for 1.16.3 and pass for 1.20.2:\n%s", strings.Join(text, "\n"))
	}
}
