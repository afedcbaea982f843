package scenarios

import (
	"testing"
	"time"

	"github.com/cilium/cilium/api/v1/flow"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/cilium-tls-intercept/sandbox/sandbox/podexec"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/probe"
)

// l7Flow is Envoy's L7 record of a GET https://api.github.com/meta from
// the workload, from TCP source port port, stamped at node time at.
func l7Flow(port uint32, at time.Time) *flow.Flow {
	return &flow.Flow{
		Time:   timestamppb.New(at),
		Type:   flow.FlowType_L7,
		Source: &flow.Endpoint{Namespace: "intercept-workload", PodName: "w-1"},
		L4:     &flow.Layer4{Protocol: &flow.Layer4_TCP{TCP: &flow.TCP{SourcePort: port, DestinationPort: 443}}},
		L7: &flow.Layer7{Type: flow.L7FlowType_REQUEST, Record: &flow.Layer7_Http{Http: &flow.HTTP{
			Method: "GET", Url: "https://api.github.com/meta"}}},
	}
}

// sinceFilter keeps the flows at or after since, as Hubble Relay does for
// a GetFlows request's since (zero keeps all).
func sinceFilter(since *timestamppb.Timestamp, flows []*flow.Flow) []*flow.Flow {
	if since == nil {
		return flows
	}
	var out []*flow.Flow
	for _, f := range flows {
		if !f.GetTime().AsTime().Before(since.AsTime()) {
			out = append(out, f)
		}
	}
	return out
}

// TestHubbleQueryWithoutHostClock: the node's clock, which stamps Hubble's
// flows, is 25 s behind the host's (Docker Desktop's VM after sleep). The
// query finds the flow of this request by its own fields, and not the
// flow of an earlier probe of the same URL from another connection.
func TestHubbleQueryWithoutHostClock(t *testing.T) {
	hostNow := time.Now()
	nodeNow := hostNow.Add(-25 * time.Second)
	this := l7Flow(40001, nodeNow)
	earlier := l7Flow(40002, nodeNow.Add(-3*time.Minute))
	target := podexec.Target{Namespace: "intercept-workload", Pod: "w-1"}
	q := requestFlowQuery(target, githubMeta, probe.Result{LocalPort: 40001})
	req, err := q.HTTP.Request()
	if err != nil {
		t.Fatal(err)
	}
	if req.GetSince() != nil {
		t.Errorf("the query asks for flows since %s of the host's clock", req.GetSince().AsTime())
	}
	if got := q.match(sinceFilter(req.GetSince(), []*flow.Flow{earlier, this})); got != this {
		t.Errorf("matched %v, want the flow from source port 40001 stamped %s", got, nodeNow.Format(time.RFC3339))
	}
	other := requestFlowQuery(target, githubMeta, probe.Result{LocalPort: 40003})
	if got := other.match([]*flow.Flow{earlier, this}); got != nil {
		t.Errorf("a request from port 40003 matched %v", got)
	}
}
