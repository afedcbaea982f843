package matrix

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/cilium-tls-intercept/sandbox/sandbox/cluster"
	"github.com/cilium-tls-intercept/sandbox/sandbox/pipeline"
	"github.com/cilium-tls-intercept/sandbox/sandbox/steps"
)

// Installer brings a combination's sandbox up and down; Sandbox is the
// real one.
type Installer interface {
	Up(ctx context.Context, opts pipeline.Options) (*pipeline.Report, error)
	Down(ctx context.Context, opts pipeline.Options) (*pipeline.Report, error)
}

// Sandbox installs with pipeline.Up and removes with pipeline.Down.
type Sandbox struct{}

// Up calls pipeline.Up.
func (Sandbox) Up(ctx context.Context, opts pipeline.Options) (*pipeline.Report, error) {
	return pipeline.Up(ctx, opts)
}

// Down calls pipeline.Down.
func (Sandbox) Down(ctx context.Context, opts pipeline.Options) (*pipeline.Report, error) {
	return pipeline.Down(ctx, opts)
}

// NoCluster is the Installer of the agent provider, which brings up its own
// hermetic control plane inside the scenario suite: nothing to install.
type NoCluster struct{}

// Up does nothing.
func (NoCluster) Up(context.Context, pipeline.Options) (*pipeline.Report, error) {
	return &pipeline.Report{}, nil
}

// Down does nothing.
func (NoCluster) Down(context.Context, pipeline.Options) (*pipeline.Report, error) {
	return &pipeline.Report{}, nil
}

// Runner executes a plan, one combination at a time.
type Runner struct {
	Installer Installer
	Scenarios ScenarioRunner
	// Doctor is asked for a root cause after an unexpected failure; optional.
	Doctor Doctor
	// Preflight runs before anything else; cluster.CheckDocker when nil.
	Preflight func(context.Context) error
	// Progress receives one status line per phase; optional.
	Progress io.Writer
	// Logf receives pipeline.Up's detail (kind's and Helm's progress); optional.
	Logf func(format string, args ...any)
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// UpTimeout bounds each wait and Helm operation of a combination's
	// sandbox up (pipeline.Options.Timeout); their own defaults when zero.
	UpTimeout time.Duration
	// OnRun is called with the merged results after every combination, so
	// they can be written as the matrix goes; optional.
	OnRun func(*Results) error
}

// Run checks the preflight, then runs every combination and returns its
// results. It stops at once, running nothing, when the preflight fails
// (no Docker); a combination that fails does not stop the others.
func (r *Runner) Run(ctx context.Context, p *Plan) (*Results, error) {
	preflight := r.Preflight
	if preflight == nil {
		preflight = cluster.CheckDocker
	}
	if err := preflight(ctx); err != nil {
		return nil, fmt.Errorf("matrix preflight: %w", err)
	}
	res := &Results{SchemaVersion: SchemaVersion}
	for _, c := range p.Combinations {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		run := r.runOne(ctx, p, c)
		res.Merge(&Results{Runs: []Run{run}})
		if r.OnRun != nil {
			if err := r.OnRun(res); err != nil {
				return res, err
			}
		}
	}
	return res, nil
}

func (r *Runner) runOne(ctx context.Context, p *Plan, c Combination) Run {
	run := Run{Cilium: c.Cilium, NodeImage: c.NodeImage, CertManager: c.Charts.CertManager,
		TrustManager: c.Charts.TrustManager, InterceptChart: c.Charts.InterceptChart,
		Upstream: p.Upstream, ClusterName: c.ClusterName}
	opts := pipeline.Options{ClusterName: c.ClusterName, Cilium: c.version,
		NodeImage: c.NodeImage.Ref, KubeconfigPath: c.KubeconfigPath, OnStep: r.onStep(c), Logf: r.Logf, Timeout: r.UpTimeout}
	if p.Provider == ProviderAgent {
		r.say("%s: agent provider (the release's agent in its helper, the Envoy stand-in; no cluster)", c.Cilium)
	} else {
		r.say("%s: up %s (node %s)", c.Cilium, c.ClusterName, c.NodeImage.Ref)
	}
	report, upErr := r.freshUp(ctx, opts)
	run.Phases = phases(report)
	started := r.now()
	if upErr != nil {
		run.Error = fmt.Sprintf("sandbox up: %v", upErr)
		run.Scenarios = notRun(p.Scenarios, "sandbox up failed", started)
	} else {
		r.say("%s: scenarios %s", c.Cilium, p.Labels)
		run.Scenarios = r.scenarios(ctx, p, c, started, &run)
	}
	classify(run.Scenarios, c)
	if failed(run) && r.Doctor != nil {
		r.say("%s: doctor", c.Cilium)
		cause, err := r.Doctor.RootCause(ctx, DoctorInput{Kubeconfig: c.KubeconfigPath, ArtifactsDir: c.ArtifactsDir})
		if err != nil {
			cause = fmt.Sprintf("doctor: %v", err)
		}
		run.RootCause = cause
	}
	r.down(ctx, p, c, opts, &run)
	return run
}

// freshUp deletes a cluster of the same name left by an earlier run (a
// kept failure), so every combination starts from a new cluster, then
// brings the sandbox up.
func (r *Runner) freshUp(ctx context.Context, opts pipeline.Options) (*pipeline.Report, error) {
	if _, err := r.Installer.Down(ctx, opts); err != nil {
		return nil, fmt.Errorf("remove the previous cluster %s: %w", opts.ClusterName, err)
	}
	return r.Installer.Up(ctx, opts)
}

func (r *Runner) scenarios(ctx context.Context, p *Plan, c Combination, started time.Time, run *Run) []ScenarioResult {
	results, err := r.Scenarios.RunScenarios(ctx, p.scenarioInput(c))
	if err != nil {
		run.Error = err.Error()
		if len(results) == 0 {
			results = notRun(p.Scenarios, "scenario suite did not run", started)
		}
	}
	for i := range results {
		results[i].RanAt = started
	}
	return results
}

func (r *Runner) down(ctx context.Context, p *Plan, c Combination, opts pipeline.Options, run *Run) {
	if p.KeepFailed && failed(*run) {
		run.KeptCluster = true
		r.say("%s: kept cluster %s (kubeconfig %s)", c.Cilium, c.ClusterName, c.KubeconfigPath)
		return
	}
	// Clean up even when the run was cancelled.
	downCtx := context.WithoutCancel(ctx)
	if _, err := r.Installer.Down(downCtx, opts); err != nil {
		run.Error = joinErr(run.Error, fmt.Sprintf("sandbox down: %v", err))
	}
}

// scenarioInput is what the suite is given for combination c.
func (p *Plan) scenarioInput(c Combination) ScenarioInput {
	return ScenarioInput{
		Provider: cmp.Or(p.Provider, ProviderKind), Kubeconfig: c.KubeconfigPath, ClusterName: c.ClusterName,
		Cilium: c.version, NodeImage: c.NodeImage.Ref, Upstream: p.Upstream, Labels: p.Labels,
		ArtifactsDir: c.ArtifactsDir, Selected: p.Scenarios,
	}
}

func classify(rs []ScenarioResult, c Combination) {
	for i := range rs {
		var exp *Expected
		if e, ok := c.Expected[rs[i].ID]; ok {
			exp = &e
		}
		rs[i].Expected = exp
		rs[i].Verdict = Classify(rs[i].Outcome, exp)
	}
}

// failed reports whether a run has anything unexpected to diagnose.
func failed(run Run) bool {
	if run.Error != "" {
		return true
	}
	for _, s := range run.Scenarios {
		if s.Verdict == VerdictFail || s.Verdict == VerdictError {
			return true
		}
	}
	return false
}

func notRun(ids []string, why string, at time.Time) []ScenarioResult {
	out := make([]ScenarioResult, 0, len(ids))
	for _, id := range ids {
		out = append(out, ScenarioResult{ID: id, Outcome: OutcomeError, Detail: why, RanAt: at})
	}
	return out
}

// phases are the timed steps of the combination's up.
func phases(rep *pipeline.Report) []steps.Result {
	if rep == nil {
		return nil
	}
	return rep.Steps
}

func joinErr(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now().UTC()
	}
	return time.Now().UTC()
}

// onStep relays pipeline.Up's finished steps as status lines.
func (r *Runner) onStep(c Combination) func(steps.Event) {
	if r.Progress == nil {
		return nil
	}
	return func(ev steps.Event) {
		if !ev.Done {
			return
		}
		mark := "✓"
		if ev.Result.Error != "" {
			mark = "✗"
		}
		r.say("%s: %s %s (%.1fs)", c.Cilium, mark, ev.Result.Name, ev.Result.Duration.Seconds())
	}
}

func (r *Runner) say(format string, args ...any) {
	if r.Progress != nil {
		fmt.Fprintf(r.Progress, format+"\n", args...)
	}
}

// ErrUnexpected is returned (wrapped) by Check when results contradict the
// known differences.
var ErrUnexpected = errors.New("unexpected results")

// Check returns an error wrapping ErrUnexpected that lists every
// unexpected cell, or nil.
func (r *Results) Check() error {
	if u := r.Unexpected(); len(u) > 0 {
		return fmt.Errorf("%w: %d: %v", ErrUnexpected, len(u), u)
	}
	return nil
}
