package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// step is one named, idempotent part of Up: it looks first and acts only
// when needed, returning what it did in a few words and whether it acted.
type step struct {
	name string
	run  func(ctx context.Context, st *state) (detail string, changed bool, err error)
}

// stage is a set of steps that run concurrently; stages run in order.
type stage []step

// runStages runs stages in order, the steps of a stage concurrently, timing
// each and reporting it through onStep. It stops after the first stage with
// a failed step, checking ctx between stages. The first step of a stage to
// fail cancels the others (cert-manager cannot become ready without Cilium,
// so it would only wait out its timeout) and its error is the one returned.
func runStages(ctx context.Context, st *state, stages []stage, onStep func(StepEvent)) ([]StepResult, error) {
	var results []StepResult
	for _, s := range stages {
		if err := ctx.Err(); err != nil {
			return results, err
		}
		out, err := runStage(ctx, st, s, onStep)
		results = append(results, out...)
		if err != nil {
			return results, err
		}
	}
	return results, nil
}

// runStage runs one stage's steps concurrently and returns the first error.
func runStage(ctx context.Context, st *state, s stage, onStep func(StepEvent)) ([]StepResult, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	out := make([]StepResult, len(s))
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for i, stp := range s {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			out[i], err = runStep(ctx, st, stp, onStep)
			if err != nil {
				once.Do(func() { first = err; cancel() })
			}
		}()
	}
	wg.Wait()
	return out, first
}

func runStep(ctx context.Context, st *state, s step, onStep func(StepEvent)) (StepResult, error) {
	if onStep != nil {
		onStep(StepEvent{Name: s.name})
	}
	start := time.Now()
	detail, changed, err := s.run(ctx, st)
	d := time.Since(start)
	res := StepResult{Name: s.name, Duration: d, Seconds: roundSeconds(d), Changed: changed, Detail: detail}
	if err != nil {
		// The stage's context was cancelled (a sibling failed, or Up was
		// interrupted) and the step stopped for it.
		res.Cancelled = ctx.Err() != nil && errors.Is(err, context.Canceled)
		err = fmt.Errorf("%s: %w", s.name, err)
		res.Error = err.Error()
	}
	if onStep != nil {
		onStep(StepEvent{Name: s.name, Done: true, Result: res})
	}
	return res, err
}

// roundSeconds is d in seconds with a tenth of a millisecond's precision.
func roundSeconds(d time.Duration) float64 {
	return float64(d.Round(100*time.Microsecond)) / float64(time.Second)
}
