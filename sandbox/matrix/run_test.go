package matrix

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cilium-tls-intercept/sandbox/sandbox/cluster"
	"github.com/cilium-tls-intercept/sandbox/sandbox/pipeline"
	"github.com/cilium-tls-intercept/sandbox/sandbox/scenario"
	"github.com/cilium-tls-intercept/sandbox/sandbox/steps"
)

// fakeInstaller records calls; upErr fails Up for the named clusters.
type fakeInstaller struct {
	mu    sync.Mutex
	calls []string
	upErr map[string]error
}

func (f *fakeInstaller) Up(_ context.Context, o pipeline.Options) (*pipeline.Report, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "up "+o.ClusterName+" "+o.Cilium.String()+" "+o.NodeImage)
	rep := &pipeline.Report{ClusterName: o.ClusterName, Steps: []steps.Result{
		{Name: "cluster", Duration: 41234 * time.Millisecond, Seconds: 41.2, Changed: true},
	}}
	return rep, f.upErr[o.ClusterName]
}

func (f *fakeInstaller) Down(_ context.Context, o pipeline.Options) (*pipeline.Report, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "down "+o.ClusterName)
	return &pipeline.Report{ClusterName: o.ClusterName}, nil
}

// fakeScenarios returns outcomes by release and scenario.
type fakeScenarios struct {
	inputs   []ScenarioInput
	outcomes map[string]map[string]Outcome // release -> scenario -> outcome (default pass)
	err      error
}

func (f *fakeScenarios) RunScenarios(_ context.Context, in ScenarioInput) ([]ScenarioResult, error) {
	f.inputs = append(f.inputs, in)
	if f.err != nil {
		return nil, f.err
	}
	var out []ScenarioResult
	for _, id := range in.Selected {
		o := f.outcomes[in.Cilium.String()][id]
		if o == "" {
			o = OutcomePass
		}
		out = append(out, ScenarioResult{ID: id, Outcome: o, Seconds: 1, Detail: "detail of " + id})
	}
	return out, nil
}

func newTestRunner(inst *fakeInstaller, sc *fakeScenarios, doctorCalls *[]string) *Runner {
	return &Runner{
		Installer: inst, Scenarios: sc,
		Preflight: func(context.Context) error { return nil },
		Doctor: DoctorFunc(func(_ context.Context, in DoctorInput) (string, error) {
			*doctorCalls = append(*doctorCalls, in.Kubeconfig)
			return "secret-keys: intercept-github-tls lacks tls.key", nil
		}),
		Now: func() time.Time { return time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC) },
	}
}

func testPlan(t *testing.T, opts PlanOptions) *Plan {
	t.Helper()
	opts.ResultsDir = t.TempDir()
	p, err := NewPlan(opts, sampleExpectations(t))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunnerStopsWithoutDocker(t *testing.T) {
	inst := &fakeInstaller{}
	r := &Runner{Installer: inst, Scenarios: &fakeScenarios{},
		Preflight: func(context.Context) error { return fmt.Errorf("%w: docker.sock missing", cluster.ErrNoDocker) }}
	res, err := r.Run(context.Background(), testPlan(t, PlanOptions{}))
	if !errors.Is(err, cluster.ErrNoDocker) || res != nil {
		t.Fatalf("Run = %v, %v; want nil results and ErrNoDocker", res, err)
	}
	if len(inst.calls) != 0 {
		t.Fatalf("installer called without Docker: %v", inst.calls)
	}
}

func TestRunnerClassifiesAndCleansUp(t *testing.T) {
	inst := &fakeInstaller{}
	sc := &fakeScenarios{outcomes: map[string]map[string]Outcome{
		"1.17.16": {scenario.WildcardGroups: OutcomeSkip},
		"1.20.2":  {scenario.Rotation: OutcomeFail},
	}}
	var doctor []string
	r := newTestRunner(inst, sc, &doctor)
	var onRun []int
	r.OnRun = func(res *Results) error { onRun = append(onRun, len(res.Runs)); return nil }
	p := testPlan(t, PlanOptions{Cilium: []string{"1.20.2", "1.17.16"}, Upstream: UpstreamInternet})
	res, err := r.Run(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	wantCalls := []string{
		"down cti-1-20-2", "up cti-1-20-2 1.20.2 " + p.Combinations[0].NodeImage.Ref, "down cti-1-20-2",
		"down cti-1-17-16", "up cti-1-17-16 1.17.16 " + p.Combinations[1].NodeImage.Ref, "down cti-1-17-16",
	}
	if strings.Join(inst.calls, "\n") != strings.Join(wantCalls, "\n") {
		t.Fatalf("calls:\n%s\nwant:\n%s", strings.Join(inst.calls, "\n"), strings.Join(wantCalls, "\n"))
	}
	if fmt.Sprint(onRun) != "[1 2]" {
		t.Fatalf("OnRun saw %v rows, want [1 2]", onRun)
	}
	if res.Runs[0].Cilium != "1.17.16" || res.Runs[1].Cilium != "1.20.2" {
		t.Fatalf("rows not sorted by release: %s, %s", res.Runs[0].Cilium, res.Runs[1].Cilium)
	}
	old, cur := res.Runs[0], res.Runs[1]
	if c := old.cell(scenario.WildcardGroups); c.Verdict != VerdictExpectedSkip || c.Expected == nil {
		t.Errorf("1.17.16 wildcard-groups = %+v, want expected-skip", c)
	}
	if c := cur.cell(scenario.Rotation); c.Verdict != VerdictFail || !c.RanAt.Equal(r.Now()) {
		t.Errorf("1.20.2 rotation = %+v, want fail at the runner's clock", c)
	}
	if len(doctor) != 1 || doctor[0] != p.Combinations[0].KubeconfigPath {
		t.Errorf("doctor calls = %v, want one for 1.20.2's kubeconfig", doctor)
	}
	if cur.RootCause == "" || old.RootCause != "" {
		t.Errorf("root causes = %q / %q, want only 1.20.2's", old.RootCause, cur.RootCause)
	}
	if len(cur.Phases) != 1 || cur.Phases[0].Seconds != 41.2 || cur.Upstream != UpstreamInternet {
		t.Errorf("1.20.2 run = %+v, want the cluster phase (41.2s) and upstream internet", cur)
	}
	if in := sc.inputs[0]; in.Kubeconfig != p.Combinations[0].KubeconfigPath || in.ClusterName != "cti-1-20-2" || in.Upstream != UpstreamInternet {
		t.Errorf("scenario input = %+v", in)
	}
}

func TestRunnerKeepFailedAndUpFailure(t *testing.T) {
	inst := &fakeInstaller{upErr: map[string]error{"cti-1-18-10": errors.New("install cilium: timed out")}}
	var doctor []string
	r := newTestRunner(inst, &fakeScenarios{}, &doctor)
	p := testPlan(t, PlanOptions{Cilium: []string{"1.18.10", "1.19.5"}, KeepFailed: true, Labels: "scenario=rotation"})
	res, err := r.Run(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(inst.calls, ","), "down cti-1-18-10,up cti-1-18-10 1.18.10 "+p.Combinations[0].NodeImage.Ref+
		",down cti-1-19-5,up cti-1-19-5 1.19.5 "+p.Combinations[1].NodeImage.Ref+",down cti-1-19-5"; got != want {
		t.Fatalf("calls\n%s\nwant (a fresh cluster each, the failed 1.18.10 one kept)\n%s", got, want)
	}
	failed := res.Runs[0]
	if !failed.KeptCluster || !strings.Contains(failed.Error, "sandbox up: install cilium: timed out") {
		t.Fatalf("1.18.10 run = %+v, want kept cluster and the up error", failed)
	}
	if len(failed.Scenarios) != 1 || failed.Scenarios[0].ID != scenario.Rotation || failed.Scenarios[0].Verdict != VerdictError {
		t.Fatalf("1.18.10 cells = %+v, want only rotation, not run", failed.Scenarios)
	}
	if len(doctor) != 1 {
		t.Fatalf("doctor calls = %v, want one after the failed up", doctor)
	}
}

func TestRunnerSuiteError(t *testing.T) {
	inst := &fakeInstaller{}
	var doctor []string
	r := newTestRunner(inst, &fakeScenarios{err: errors.New("run scenarios: exit status 1\nsetup: cluster unreachable")}, &doctor)
	res, err := r.Run(context.Background(), testPlan(t, PlanOptions{Cilium: []string{"1.20"}}))
	if err != nil {
		t.Fatal(err)
	}
	run := res.Runs[0]
	if !strings.Contains(run.Error, "cluster unreachable") || len(run.Scenarios) != len(scenario.All()) || run.Scenarios[0].Verdict != VerdictError {
		t.Fatalf("run = %+v, want the suite error and every cell not run", run)
	}
	if inst.calls[len(inst.calls)-1] != "down cti-1-20-2" {
		t.Fatalf("calls %v: want the cluster deleted without --keep-failed", inst.calls)
	}
}
