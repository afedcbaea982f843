package scenarios

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/cilium/cilium/api/v1/flow"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/e2e-framework/pkg/envconf"
	"sigs.k8s.io/e2e-framework/pkg/features"

	"github.com/cilium-tls-intercept/sandbox/sandbox/hubble"
	"github.com/cilium-tls-intercept/sandbox/sandbox/podexec"
	"github.com/cilium-tls-intercept/sandbox/sandbox/scenario"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/probe"
)

func TestHubbleVisibility(t *testing.T) {
	requireDataPath(t)
	requireKernel(t, "Hubble Relay and the flows Envoy's access log gives it")
	f := features.New("hubble-visibility").WithLabel(scenario.Label, scenario.HubbleVisibility).
		Assess("Hubble shows the decrypted request with method and path", func(ctx context.Context, t *testing.T, _ *envconf.Config) context.Context {
			r := suite.expect(ctx, t, suite.workload, githubMeta, probe.Intercepted)
			relay, err := hubble.Dial(ctx, suite.rest)
			if errors.Is(err, hubble.ErrNoRelay) && providerName() == providerExisting {
				t.Skipf("needs Hubble Relay (Cilium value hubble.relay.enabled=true): %v", err)
			}
			if err != nil {
				t.Fatal(err)
			}
			defer relay.Close()
			f := suite.waitFlow(ctx, t, relay, requestFlowQuery(suite.workload, githubMeta, r))
			t.Logf("flow: %s", hubble.Describe(f))
			return ctx
		}).Feature()
	testenv.Test(t, f)
}

// flowQuery finds the L7 flow of one request by the flow's own fields,
// never by time: the host's clock (Docker Desktop's VM drifts after sleep)
// need not agree with the node's, which stamps the flows.
type flowQuery struct {
	// HTTP selects the client pod's L7 HTTP flows of the method, path and
	// host; it has no Since.
	HTTP hubble.HTTPQuery
	// SourcePort is the TCP source port curl used for the request, which
	// the flows of its connection carry; 0 matches any.
	SourcePort uint32
}

// requestFlowQuery is the query for the flow of req, made from target,
// whose probe result is r.
func requestFlowQuery(target podexec.Target, req request, r probe.Result) flowQuery {
	return flowQuery{
		HTTP:       hubble.HTTPQuery{SourcePod: target.Namespace + "/" + target.Pod, Method: req.method, Path: req.path, Host: req.host},
		SourcePort: uint32(r.LocalPort),
	}
}

// match returns the query's flow among flows, or nil.
func (q flowQuery) match(flows []*flow.Flow) *flow.Flow {
	var ofConn []*flow.Flow
	for _, f := range flows {
		if q.SourcePort == 0 || f.GetL4().GetTCP().GetSourcePort() == q.SourcePort {
			ofConn = append(ofConn, f)
		}
	}
	return q.HTTP.Match(ofConn)
}

func (q flowQuery) String() string {
	return fmt.Sprintf("%s %s%s from %s (TCP source port %d)", q.HTTP.Method, q.HTTP.Host, q.HTTP.Path, q.HTTP.SourcePod, q.SourcePort)
}

// waitFlow polls Hubble Relay until it holds the query's flow.
func (s *suiteState) waitFlow(ctx context.Context, t *testing.T, relay *hubble.Relay, q flowQuery) *flow.Flow {
	t.Helper()
	req, err := q.HTTP.Request()
	if err != nil {
		t.Fatal(err)
	}
	var found *flow.Flow
	var seen []*flow.Flow
	var lastErr error
	err = wait.PollUntilContextTimeout(ctx, 3*time.Second, settleTimeout, true, func(ctx context.Context) (bool, error) {
		seen, lastErr = relay.Flows(ctx, req)
		found = q.match(seen)
		return found != nil, nil
	})
	if err != nil {
		var lines []string
		for _, f := range seen {
			lines = append(lines, hubble.Describe(f))
		}
		t.Fatalf("no L7 flow %s in Hubble after %s (%d flows matched the filter: %v; last error: %v)",
			q, settleTimeout, len(seen), lines, lastErr)
	}
	return found
}
