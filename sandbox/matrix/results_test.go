package matrix

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cilium-tls-intercept/sandbox/sandbox/scenario"
)

func TestMerge(t *testing.T) {
	cell := func(id string, v Verdict) ScenarioResult { return ScenarioResult{ID: id, Verdict: v} }
	base := &Results{SchemaVersion: SchemaVersion, Runs: []Run{
		{Cilium: "1.20.2", Scenarios: []ScenarioResult{cell(scenario.Rotation, VerdictPass), cell(scenario.Intercept, VerdictPass)}},
		{Cilium: "1.18.10", Scenarios: []ScenarioResult{cell(scenario.Intercept, VerdictPass)}},
	}}
	base.Merge(&Results{Runs: []Run{
		{Cilium: "1.20.2", RootCause: "new", Scenarios: []ScenarioResult{cell(scenario.Rotation, VerdictFail)}},
		{Cilium: "1.16.19", Scenarios: []ScenarioResult{cell(scenario.Intercept, VerdictPass)}},
	}})
	var order []string
	for _, r := range base.Runs {
		order = append(order, r.Cilium)
	}
	if got := strings.Join(order, ","); got != "1.16.19,1.18.10,1.20.2" {
		t.Fatalf("rows = %s, want sorted by release", got)
	}
	row := base.Runs[2]
	if row.RootCause != "new" || len(row.Scenarios) != 2 {
		t.Fatalf("1.20.2 row = %+v, want new metadata and both cells", row)
	}
	if row.Scenarios[0].ID != scenario.Intercept || row.Scenarios[1].Verdict != VerdictFail {
		t.Fatalf("cells = %+v, want intercept first (column order) and the new rotation verdict", row.Scenarios)
	}
}

func TestLoadResults(t *testing.T) {
	dir := t.TempDir()
	r, err := LoadResults(filepath.Join(dir, "missing.json"))
	if err != nil || r.SchemaVersion != SchemaVersion || len(r.Runs) != 0 {
		t.Fatalf("missing file: got %+v, %v; want empty results", r, err)
	}
	cases := map[string]string{
		`{"schemaVersion": 2, "runs": []}`: "schemaVersion 2, want 1",
		`{"runs": [`:                       "parse results",
	}
	for content, want := range cases {
		path := filepath.Join(dir, "r.json")
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadResults(path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("LoadResults(%s) = %v, want %q", content, err, want)
		}
	}
}

func TestCheck(t *testing.T) {
	if err := fixture(t, "results.json").Check(); err != nil {
		t.Fatalf("the sample has only expected differences, Check = %v", err)
	}
	err := verdictsResults().Check()
	if !errors.Is(err, ErrUnexpected) {
		t.Fatalf("Check = %v, want ErrUnexpected", err)
	}
	for _, want := range []string{"1.17.16 wildcard-groups: unexpected-pass", "1.17.16 l7-deny: fail", "1.18.10: sandbox up", "1.18.10 intercept: error"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Check = %v, lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "rotation") {
		t.Errorf("a plain skip is not unexpected: %v", err)
	}
}

func TestMergeFiles(t *testing.T) {
	dir := t.TempDir()
	fx := filepath.Join("..", "..", "fixtures", "matrix")
	merged, err := MergeFiles(dir, []string{filepath.Join(fx, "results.json"), filepath.Join(fx, "rerun-1.18.10-rotation.json")})
	if err != nil {
		t.Fatal(err)
	}
	if len(merged.Runs) != 6 || merged.Check() == nil {
		t.Fatalf("merged %d rows, Check %v; want 6 rows and the rotation failure", len(merged.Runs), merged.Check())
	}
	if _, err := MergeFiles(dir, []string{filepath.Join(dir, "nope.json")}); err == nil || !strings.Contains(err.Error(), "nope.json") {
		t.Fatalf("missing input: %v, want an error naming it", err)
	}
	if _, err := MergeFiles(dir, nil); err == nil {
		t.Fatal("no inputs: want an error")
	}
}
