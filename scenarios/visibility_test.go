package scenarios

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cilium/cilium/api/v1/flow"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/e2e-framework/pkg/envconf"
	"sigs.k8s.io/e2e-framework/pkg/features"

	"github.com/cilium-tls-intercept/sandbox/sandbox/hubble"
	"github.com/cilium-tls-intercept/sandbox/sandbox/scenario"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/probe"
)

func TestHubbleVisibility(t *testing.T) {
	requireDataPath(t)
	f := features.New("hubble-visibility").WithLabel(scenario.Label, scenario.HubbleVisibility).
		Assess("Hubble shows the decrypted request with method and path", func(ctx context.Context, t *testing.T, _ *envconf.Config) context.Context {
			since := time.Now().Add(-5 * time.Second)
			suite.expect(ctx, t, suite.workload, githubMeta, probe.Intercepted)
			relay, err := hubble.Dial(ctx, suite.rest)
			if errors.Is(err, hubble.ErrNoRelay) && providerName() == providerExisting {
				t.Skipf("needs Hubble Relay (Cilium value hubble.relay.enabled=true): %v", err)
			}
			if err != nil {
				t.Fatal(err)
			}
			defer relay.Close()
			q := hubble.HTTPQuery{SourcePod: suite.workload.Namespace + "/" + suite.workload.Pod,
				Method: githubMeta.method, Path: githubMeta.path, Host: githubHost, Since: since}
			f := suite.waitFlow(ctx, t, relay, q)
			t.Logf("flow: %s", hubble.Describe(f))
			return ctx
		}).Feature()
	testenv.Test(t, f)
}

// waitFlow polls Hubble Relay until it holds the query's flow.
func (s *suiteState) waitFlow(ctx context.Context, t *testing.T, relay *hubble.Relay, q hubble.HTTPQuery) *flow.Flow {
	t.Helper()
	req, err := q.Request()
	if err != nil {
		t.Fatal(err)
	}
	var found *flow.Flow
	var seen []*flow.Flow
	var lastErr error
	err = wait.PollUntilContextTimeout(ctx, 3*time.Second, settleTimeout, true, func(ctx context.Context) (bool, error) {
		seen, lastErr = relay.Flows(ctx, req)
		found = q.Match(seen)
		return found != nil, nil
	})
	if err != nil {
		var lines []string
		for _, f := range seen {
			lines = append(lines, hubble.Describe(f))
		}
		t.Fatalf("no L7 flow %s %s%s from %s in Hubble after %s (%d flows matched the filter: %v; last error: %v)",
			q.Method, q.Host, q.Path, q.SourcePod, settleTimeout, len(seen), lines, lastErr)
	}
	return found
}
