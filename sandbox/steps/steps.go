package steps

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Step is one named, idempotent part of a run: it looks first and acts only
// when needed, returning what it found or did in a few words and whether it
// acted. S is the state the steps of a run share.
type Step[S any] struct {
	Name string
	Run  func(ctx context.Context, s S) (detail string, changed bool, err error)
}

// Stage is a set of steps that run concurrently; stages run in order.
type Stage[S any] []Step[S]

// Result is the outcome of one step.
type Result struct {
	Name string `json:"name"`
	// Duration is how long the step took; Seconds is the same for readers
	// of JSON, to a tenth of a millisecond.
	Duration time.Duration `json:"-"`
	Seconds  float64       `json:"seconds"`
	// Changed tells whether the step acted (false: it found things done).
	Changed bool `json:"changed"`
	// Detail says what the step found or did, in a few words.
	Detail string `json:"detail,omitempty"`
	Error  string `json:"error,omitempty"`
	// Cancelled: the step stopped because its context was cancelled (a
	// sibling failed, or the run was interrupted), not because it failed.
	Cancelled bool `json:"cancelled,omitempty"`
}

// Event reports a step starting (Done false) or ending (Done true, with its
// Result). It is sent from the step's goroutine.
type Event struct {
	Name   string
	Done   bool
	Result Result
}

// Run runs stages in order, the steps of a stage concurrently, timing each
// and reporting it through onStep (which may be nil). It checks ctx between
// stages and stops after the first stage with a failed step. The first step
// of a stage to fail cancels the others, and its error, prefixed with the
// step's name, is the one returned. Results hold every step that ran, in
// list order, even on failure.
func Run[S any](ctx context.Context, s S, stages []Stage[S], onStep func(Event)) ([]Result, error) {
	var results []Result
	for _, st := range stages {
		if err := ctx.Err(); err != nil {
			return results, err
		}
		out, err := runStage(ctx, s, st, onStep)
		results = append(results, out...)
		if err != nil {
			return results, err
		}
	}
	return results, nil
}

// runStage runs one stage's steps concurrently. It returns the first real
// failure, or, when every failure was a cancellation (the run was
// interrupted), the first of those.
func runStage[S any](ctx context.Context, s S, st Stage[S], onStep func(Event)) ([]Result, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	out := make([]Result, len(st))
	errs := make([]error, len(st))
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for i, step := range st {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i], errs[i] = RunOne(ctx, s, step, onStep)
			if errs[i] != nil && !out[i].Cancelled {
				once.Do(func() { first = errs[i]; cancel() })
			}
		}()
	}
	wg.Wait()
	if first == nil {
		first = errors.Join(errs...)
		for _, err := range errs {
			if err != nil {
				first = err
				break
			}
		}
	}
	return out, first
}

// RunOne runs a single step, timed and reported through onStep. A step that
// fails after ctx was cancelled is marked Cancelled.
func RunOne[S any](ctx context.Context, s S, step Step[S], onStep func(Event)) (Result, error) {
	if onStep != nil {
		onStep(Event{Name: step.Name})
	}
	start := time.Now()
	detail, changed, err := step.Run(ctx, s)
	d := time.Since(start)
	res := Result{Name: step.Name, Duration: d, Seconds: Seconds(d), Changed: changed, Detail: detail}
	if err != nil {
		err = fmt.Errorf("%s: %w", step.Name, err)
		res.Error = err.Error()
		// Stopped for the stage's cancellation (a sibling failed, or the run
		// was interrupted), not failed on its own.
		res.Cancelled = ctx.Err() != nil && errors.Is(err, context.Canceled)
	}
	if onStep != nil {
		onStep(Event{Name: step.Name, Done: true, Result: res})
	}
	return res, err
}

// Seconds is d in seconds with a tenth of a millisecond's precision.
func Seconds(d time.Duration) float64 {
	return float64(d.Round(100*time.Microsecond)) / float64(time.Second)
}

// Changed reports whether any result acted.
func Changed(results []Result) bool {
	for _, r := range results {
		if r.Changed {
			return true
		}
	}
	return false
}
