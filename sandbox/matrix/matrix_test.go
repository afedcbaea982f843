package matrix

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cilium-tls-intercept/sandbox/sandbox/scenario"
)

func TestExecuteRecordsAndMerges(t *testing.T) {
	dir := t.TempDir()
	inst := &fakeInstaller{}
	opts := Options{
		PlanOptions: PlanOptions{Cilium: []string{"1.19.5", "1.20.2"}, ResultsDir: dir, Values: stubValues},
		Runner: Runner{
			Installer: inst,
			Scenarios: &fakeScenarios{outcomes: map[string]map[string]Outcome{"1.20.2": {scenario.L7Deny: OutcomeFail}}},
			Doctor: DoctorFunc(func(context.Context, DoctorInput) (string, error) {
				return "http-rule: no rules.http on port 443", nil
			}),
			Preflight: func(context.Context) error { return nil },
		},
	}
	inv, err := Execute(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Ran.Runs) != 2 || len(inv.Merged.Runs) != 2 {
		t.Fatalf("ran %d, merged %d rows; want 2 and 2", len(inv.Ran.Runs), len(inv.Merged.Runs))
	}
	md, err := os.ReadFile(filepath.Join(dir, MarkdownFile))
	if err != nil || !strings.Contains(string(md), "http-rule: no rules.http on port 443") {
		t.Fatalf("matrix.md lacks the doctor's root cause (err %v):\n%s", err, md)
	}

	// Re-run one cell of 1.20.2, now passing: it merges into the table.
	opts.PlanOptions.Cilium, opts.PlanOptions.Labels = []string{"1.20.2"}, "scenario=l7-deny"
	opts.Scenarios = &fakeScenarios{}
	inv, err = Execute(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Ran.Runs) != 1 || len(inv.Ran.Runs[0].Scenarios) != 1 || inv.Ran.Check() != nil {
		t.Fatalf("re-run = %+v, want one passing cell", inv.Ran.Runs)
	}
	onDisk, err := LoadResults(filepath.Join(dir, ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(onDisk.Runs) != 2 || len(onDisk.Runs[1].Scenarios) != len(scenario.All()) || onDisk.Check() != nil {
		t.Fatalf("results.json = %+v, want both rows, every cell, the l7-deny failure replaced", onDisk.Runs)
	}
}

func TestExecuteRejectsUnreadableResultsFirst(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ResultsFile), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	inst := &fakeInstaller{}
	_, err := Execute(context.Background(), Options{PlanOptions: PlanOptions{ResultsDir: dir, Values: stubValues},
		Runner: Runner{Installer: inst, Scenarios: &fakeScenarios{}, Preflight: func(context.Context) error { return nil }}})
	if err == nil || !strings.Contains(err.Error(), ResultsFile) || len(inst.calls) != 0 {
		t.Fatalf("err = %v, calls %v; want the results file named and no cluster created", err, inst.calls)
	}
}
