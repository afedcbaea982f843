package steps

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeState stands in for the state a real run shares (pipeline.state).
type fakeState struct{}

func TestRunStages(t *testing.T) {
	// Each concurrent step waits (up to 2s) until the other has started:
	// both see two started only if they overlap.
	var started, sawBoth atomic.Int32
	concurrent := func(ctx context.Context, _ *fakeState) (string, bool, error) {
		started.Add(1)
		deadline := time.Now().Add(2 * time.Second)
		for started.Load() < 2 && time.Now().Before(deadline) {
			select {
			case <-ctx.Done():
				return "", false, ctx.Err()
			case <-time.After(time.Millisecond):
			}
		}
		if started.Load() == 2 {
			sawBoth.Add(1)
		}
		return "acted", true, nil
	}
	boom := errors.New("boom")
	cases := []struct {
		name      string
		stages    []Stage[*fakeState]
		wantSteps string
		wantErr   string
	}{
		{name: "in order, stage members concurrent",
			stages: []Stage[*fakeState]{
				{{Name: "a", Run: func(context.Context, *fakeState) (string, bool, error) { return "looked", false, nil }}},
				{{Name: "b", Run: concurrent}, {Name: "c", Run: concurrent}},
			},
			wantSteps: "a:false,b:true,c:true"},
		{name: "stops after a failed stage",
			stages: []Stage[*fakeState]{
				{{Name: "a", Run: func(context.Context, *fakeState) (string, bool, error) { return "", false, boom }}},
				{{Name: "never", Run: func(context.Context, *fakeState) (string, bool, error) {
					t.Error("ran after a failure")
					return "", false, nil
				}}},
			},
			wantSteps: "a:false", wantErr: "a: boom"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var mu sync.Mutex
			var events []string
			onStep := func(e Event) {
				mu.Lock()
				defer mu.Unlock()
				events = append(events, map[bool]string{false: "start ", true: "end "}[e.Done]+e.Name)
			}
			res, err := Run(context.Background(), &fakeState{}, c.stages, onStep)
			var got []string
			for _, r := range res {
				got = append(got, r.Name+":"+map[bool]string{true: "true", false: "false"}[r.Changed])
				if r.Duration <= 0 && r.Name != "a" {
					t.Errorf("step %s not timed", r.Name)
				}
			}
			if strings.Join(got, ",") != c.wantSteps {
				t.Errorf("steps %v, want %s", got, c.wantSteps)
			}
			if c.wantErr != "" {
				if err == nil || err.Error() != c.wantErr || res[0].Error != c.wantErr || !errors.Is(err, boom) {
					t.Fatalf("error = %v (step error %q), want %q wrapping the cause", err, res[0].Error, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(events) != 2*len(res) {
				t.Errorf("events %v, want a start and an end per step", events)
			}
		})
	}
	if sawBoth.Load() != 2 {
		t.Errorf("steps of one stage did not run concurrently")
	}
}

func TestRunStagesCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ran := false
	stages := []Stage[*fakeState]{
		{{Name: "a", Run: func(context.Context, *fakeState) (string, bool, error) { cancel(); return "", false, nil }}},
		{{Name: "b", Run: func(context.Context, *fakeState) (string, bool, error) { ran = true; return "", false, nil }}},
	}
	_, err := Run(ctx, &fakeState{}, stages, nil)
	if !errors.Is(err, context.Canceled) || ran {
		t.Fatalf("error = %v, ran second stage = %v; want context.Canceled before it", err, ran)
	}
}

func TestRunStagesFailureCancelsSiblings(t *testing.T) {
	boom := errors.New("helm install failed")
	stages := []Stage[*fakeState]{{
		{Name: "waits", Run: func(ctx context.Context, _ *fakeState) (string, bool, error) {
			select {
			case <-ctx.Done():
				return "", false, ctx.Err()
			case <-time.After(10 * time.Second):
				return "", false, errors.New("sibling was not cancelled")
			}
		}},
		{Name: "fails", Run: func(context.Context, *fakeState) (string, bool, error) { return "", false, boom }},
	}}
	start := time.Now()
	res, err := Run(t.Context(), &fakeState{}, stages, nil)
	if !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "fails: ") {
		t.Fatalf("error = %v, want the failing step's", err)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("stage took %s: the waiting step was not cancelled", elapsed)
	}
	if len(res) != 2 || !strings.Contains(res[0].Error, "context canceled") || !res[0].Cancelled || res[1].Cancelled {
		t.Errorf("results %+v, want both steps with the waiting one, and only it, cancelled", res)
	}
}

// TestInterruptedRunReportsCancelled: when the run itself is cancelled,
// every step stopped by it is marked Cancelled and the error says so.
func TestInterruptedRunReportsCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	waits := func(ctx context.Context, _ *fakeState) (string, bool, error) {
		cancel()
		<-ctx.Done()
		return "", false, ctx.Err()
	}
	res, err := Run(ctx, &fakeState{}, []Stage[*fakeState]{{{Name: "a", Run: waits}, {Name: "b", Run: waits}}}, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
	for _, r := range res {
		if !r.Cancelled || r.Error == "" {
			t.Errorf("result %+v, want it cancelled with its error", r)
		}
	}
	if Changed(res) {
		t.Error("a cancelled run reports a change")
	}
}
