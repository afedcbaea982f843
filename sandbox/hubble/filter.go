package hubble

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/cilium/cilium/api/v1/flow"
	"github.com/cilium/cilium/api/v1/observer"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// HTTPQuery says which L7 HTTP flow to look for.
type HTTPQuery struct {
	// SourcePod is "namespace/pod" of the client.
	SourcePod string
	// Method and Path of the request (Path without the query).
	Method, Path string
	// Host, when set, must be the host of the flow's URL.
	Host string
	// Since limits the flows to those after a time; zero means all kept.
	Since time.Time
	// Number is how many recent flows to read; DefaultNumber when zero.
	Number uint64
}

// DefaultNumber is how many flows a query reads.
const DefaultNumber = 2000

// Request returns the GetFlows request for the query: the client's L7 HTTP
// flows with the method and path, not followed.
func (q HTTPQuery) Request() (*observer.GetFlowsRequest, error) {
	if !strings.Contains(q.SourcePod, "/") {
		return nil, fmt.Errorf("hubble query: source pod %q is not namespace/pod", q.SourcePod)
	}
	n := q.Number
	if n == 0 {
		n = DefaultNumber
	}
	f := &flow.FlowFilter{
		SourcePod: []string{q.SourcePod},
		EventType: []*flow.EventTypeFilter{{Type: 129}}, // MessageTypeAccessLog: L7 records
		Protocol:  []string{"http"},
	}
	if q.Method != "" {
		f.HttpMethod = []string{q.Method}
	}
	if q.Path != "" {
		f.HttpPath = []string{"^" + regexp.QuoteMeta(q.Path) + "$"}
	}
	req := &observer.GetFlowsRequest{Number: n, Whitelist: []*flow.FlowFilter{f}}
	if !q.Since.IsZero() {
		req.Since = timestamppb.New(q.Since)
	}
	return req, nil
}

// Match returns the first flow that is an HTTP request (or response) of the
// query, or nil.
func (q HTTPQuery) Match(flows []*flow.Flow) *flow.Flow {
	for _, f := range flows {
		h := f.GetL7().GetHttp()
		if h == nil || (q.Method != "" && h.GetMethod() != q.Method) {
			continue
		}
		u, err := url.Parse(h.GetUrl())
		if err != nil || (q.Path != "" && u.Path != q.Path) || (q.Host != "" && u.Hostname() != q.Host) {
			continue
		}
		if pod := f.GetSource(); pod != nil && q.SourcePod != pod.GetNamespace()+"/"+pod.GetPodName() {
			continue
		}
		return f
	}
	return nil
}

// Describe renders a flow in one line for failure messages and artifacts.
func Describe(f *flow.Flow) string {
	s := fmt.Sprintf("%s %s/%s -> %s %s", f.GetTime().AsTime().Format(time.RFC3339),
		f.GetSource().GetNamespace(), f.GetSource().GetPodName(),
		strings.Join(f.GetDestinationNames(), ","), f.GetVerdict())
	if h := f.GetL7().GetHttp(); h != nil {
		s += fmt.Sprintf(" http %s %s %d", h.GetMethod(), h.GetUrl(), h.GetCode())
	}
	if d := f.GetDropReasonDesc(); d != flow.DropReason_DROP_REASON_UNKNOWN {
		s += " drop " + d.String()
	}
	return s
}
