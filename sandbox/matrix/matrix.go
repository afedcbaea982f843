package matrix

import (
	"context"
	"fmt"
	"path/filepath"
)

// Options configure a matrix run from the command line.
type Options struct {
	PlanOptions
	// DryRun builds and returns the plan without running anything.
	DryRun bool
	// ExpectationsFile replaces the shipped known differences when set.
	ExpectationsFile string
	// Runner runs the plan. Its nil Installer, Scenarios and Doctor default
	// to Sandbox{}, GoTest{} (go test ./scenarios) and LiveDoctor{}; its
	// OnRun is set by Execute to record the results as they come.
	Runner
}

// AgentNote heads a table the agent provider made.
const AgentNote = "Agent provider: each release's own operator and agent (in its per-release helper) on a hermetic control plane, " +
	"the Envoy stand-in (sandbox/envoystandin, not Envoy) deciding for Envoy; no kernel datapath, Hubble or Envoy. " +
	"Expected cells: the known bugs Cilium's Go code shows."

// Invocation is what one matrix invocation planned and did.
type Invocation struct {
	Plan *Plan
	// Ran holds this invocation's rows only; nil on a dry run.
	Ran *Results
	// Merged is results.json after merging Ran into it; nil on a dry run.
	Merged *Results
}

// Execute plans the matrix and, unless opts.DryRun, runs it, writing
// results.json and matrix.md into the results directory after every
// combination. Without a Docker daemon it stops before creating anything,
// with an error wrapping cluster.ErrNoDocker. Unexpected cells are not an
// error here: see Results.Check.
func Execute(ctx context.Context, opts Options) (*Invocation, error) {
	exp := DefaultExpectations()
	if opts.Agent {
		exp = GoExpectations()
	}
	if opts.ExpectationsFile != "" {
		var err error
		if exp, err = LoadExpectations(opts.ExpectationsFile); err != nil {
			return nil, err
		}
	}
	plan, err := NewPlan(opts.PlanOptions, exp)
	if err != nil {
		return nil, err
	}
	out := &Invocation{Plan: plan}
	if opts.DryRun {
		return out, nil
	}
	// An unreadable results.json is reported now, not after the first
	// cluster has run.
	if _, err := LoadResults(filepath.Join(plan.ResultsDir, ResultsFile)); err != nil {
		return nil, err
	}
	r := opts.Runner
	switch {
	case opts.Agent:
		// No cluster: nothing to install, no Docker to need, no cluster
		// for the doctor to read.
		r.Installer = NoCluster{}
		r.Preflight = func(context.Context) error { return nil }
		r.Doctor = nil
	default:
		if r.Installer == nil {
			r.Installer = Sandbox{}
		}
		if r.Doctor == nil {
			r.Doctor = LiveDoctor{}
		}
	}
	if r.Scenarios == nil {
		r.Scenarios = GoTest{}
	}
	r.OnRun = func(res *Results) error {
		if opts.Agent {
			res.Note = AgentNote
		}
		merged, err := Record(plan.ResultsDir, res)
		out.Merged = merged
		return err
	}
	out.Ran, err = r.Run(ctx, plan)
	if err != nil {
		return out, err
	}
	return out, nil
}

// MergeFiles merges results.json files (one per CI job) into the results
// in dir and writes results.json and matrix.md there.
func MergeFiles(dir string, paths []string) (*Results, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("no results files to merge")
	}
	var merged *Results
	for _, p := range paths {
		r, err := LoadResults(p)
		if err != nil {
			return nil, err
		}
		if len(r.Runs) == 0 {
			return nil, fmt.Errorf("results %s: no runs (missing or empty file)", p)
		}
		if merged, err = Record(dir, r); err != nil {
			return nil, err
		}
	}
	return merged, nil
}
