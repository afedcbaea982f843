package sandbox

import (
	"context"
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
// a failed step, checking ctx between stages.
func runStages(ctx context.Context, st *state, stages []stage, onStep func(StepEvent)) ([]StepResult, error) {
	var results []StepResult
	for _, s := range stages {
		if err := ctx.Err(); err != nil {
			return results, err
		}
		out := make([]StepResult, len(s))
		errs := make([]error, len(s))
		var wg sync.WaitGroup
		for i, stp := range s {
			wg.Add(1)
			go func() {
				defer wg.Done()
				out[i], errs[i] = runStep(ctx, st, stp, onStep)
			}()
		}
		wg.Wait()
		results = append(results, out...)
		for _, err := range errs {
			if err != nil {
				return results, err
			}
		}
	}
	return results, nil
}

// runStep runs one step and times it.
func runStep(ctx context.Context, st *state, s step, onStep func(StepEvent)) (StepResult, error) {
	if onStep != nil {
		onStep(StepEvent{Name: s.name})
	}
	start := time.Now()
	detail, changed, err := s.run(ctx, st)
	d := time.Since(start)
	res := StepResult{Name: s.name, Duration: d, Seconds: roundSeconds(d), Changed: changed, Detail: detail}
	if err != nil {
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
