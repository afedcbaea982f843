package hubble

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
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
		EventType: []*flow.EventTypeFilter{{Type: MessageTypeAccessLog}}, // L7 records
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

// Describe renders a flow in one line for failure messages, artifacts and
// the doctor's evidence: time, source pod, destination address and names,
// what saw it (L7, a policy verdict or a trace point), the verdict, and the
// HTTP request or the drop reason.
func Describe(f *flow.Flow) string {
	dst := f.GetIP().GetDestination()
	if p := f.GetL4().GetTCP().GetDestinationPort(); p != 0 {
		dst = fmt.Sprintf("%s:%d", dst, p)
	}
	if names := f.GetDestinationNames(); len(names) > 0 {
		dst += " (" + strings.Join(names, ",") + ")"
	}
	s := fmt.Sprintf("%s %s/%s -> %s %s %s", f.GetTime().AsTime().UTC().Format(time.RFC3339),
		f.GetSource().GetNamespace(), f.GetSource().GetPodName(), dst, Seen(f), f.GetVerdict())
	if h := f.GetL7().GetHttp(); h != nil {
		s += fmt.Sprintf(" http %s %s", h.GetMethod(), h.GetUrl())
		if h.GetCode() != 0 {
			s += fmt.Sprintf(" %d", h.GetCode())
		}
	}
	if p := f.GetProxyPort(); p != 0 {
		s += fmt.Sprintf(" proxy-port %d", p)
	}
	if d := f.GetDropReasonDesc(); d != flow.DropReason_DROP_REASON_UNKNOWN {
		s += " (" + d.String() + ")"
	}
	return s
}

// Seen says what observed a flow: "L7" for Envoy's access log records,
// "policy-verdict" for the datapath's policy decisions, the trace point
// ("to-proxy", "from-proxy", "to-stack", ...) for traced packets,
// "datapath" for its drop notifications.
func Seen(f *flow.Flow) string {
	switch {
	case f.GetType() == flow.FlowType_L7:
		return "L7"
	case f.GetEventType().GetType() == MessageTypePolicyVerdict:
		return "policy-verdict"
	case f.GetEventType().GetType() == MessageTypeDrop:
		return "datapath"
	case f.GetTraceObservationPoint() != flow.TraceObservationPoint_UNKNOWN_POINT:
		return strings.ReplaceAll(strings.ToLower(f.GetTraceObservationPoint().String()), "_", "-")
	}
	return "L3/L4"
}

// Cilium monitor message types in flows' event_type (pkg/monitor/api).
const (
	MessageTypeDrop          = 1
	MessageTypeTrace         = 4
	MessageTypePolicyVerdict = 5
	MessageTypeAccessLog     = 129
)

// PortQuery asks for a pod's last flows on its TLS ports, both ways: what
// the datapath and Envoy reported of the pod's connections to the ports,
// Envoy's L7 records of the responses to the pod (a response's source is
// the server, so a query for flows from the pod never sees them, nor the
// 503 Envoy answers when it cannot reach or verify the server), and, when
// Names are given, the pod's flows to those names on any port.
type PortQuery struct {
	// SourcePod is "namespace/pod" of the client.
	SourcePod string
	// Ports are the destination ports.
	Ports []uint32
	// Names are DNS names and "*." patterns (toFQDNs matchName and
	// matchPattern) whose flows from the pod are wanted on every port.
	Names []string
	// Number is how many recent flows to read; DefaultPortNumber when zero.
	Number uint64
}

// DefaultPortNumber is how many flows a PortQuery reads.
const DefaultPortNumber = 200

// Request returns the GetFlows request for the query, not followed: the
// union (Hubble ORs the filters of a whitelist) of what these show:
//
//	hubble observe --from-pod NS/POD --to-port P
//	hubble observe --to-pod NS/POD --from-port P --type l7
//	hubble observe --from-pod NS/POD --to-fqdn NAME
func (q PortQuery) Request() (*observer.GetFlowsRequest, error) {
	if !strings.Contains(q.SourcePod, "/") {
		return nil, fmt.Errorf("hubble query: source pod %q is not namespace/pod", q.SourcePod)
	}
	if len(q.Ports) == 0 {
		return nil, errors.New("hubble query: no destination port")
	}
	n := q.Number
	if n == 0 {
		n = DefaultPortNumber
	}
	var ports []string
	for _, p := range q.Ports {
		ports = append(ports, strconv.FormatUint(uint64(p), 10))
	}
	pod := []string{q.SourcePod}
	filters := []*flow.FlowFilter{
		{SourcePod: pod, DestinationPort: ports},
		{DestinationPod: pod, SourcePort: ports, EventType: []*flow.EventTypeFilter{{Type: MessageTypeAccessLog}}},
	}
	if len(q.Names) > 0 {
		filters = append(filters, &flow.FlowFilter{SourcePod: pod, DestinationFqdn: q.Names})
	}
	return &observer.GetFlowsRequest{Number: n, Whitelist: filters}, nil
}

// ObserveCommands are the hubble CLI commands that print what the query
// reads, for users who record it by hand.
func (q PortQuery) ObserveCommands() []string {
	n := q.Number
	if n == 0 {
		n = DefaultPortNumber
	}
	var out []string
	for _, p := range q.Ports {
		out = append(out, fmt.Sprintf("hubble observe --from-pod %s --to-port %d --last %d -o jsonpb", q.SourcePod, p, n),
			fmt.Sprintf("hubble observe --to-pod %s --from-port %d --type l7 --last %d -o jsonpb", q.SourcePod, p, n))
	}
	for _, name := range q.Names {
		out = append(out, fmt.Sprintf("hubble observe --from-pod %s --to-fqdn %q --last %d -o jsonpb", q.SourcePod, name, n))
	}
	return out
}
