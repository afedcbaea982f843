package hubble

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/cilium/cilium/api/v1/flow"
	v1 "github.com/cilium/cilium/pkg/hubble/api/v1"
	"github.com/cilium/cilium/pkg/hubble/filters"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func TestJSONLRoundTrip(t *testing.T) {
	flows := []*flow.Flow{
		{Time: timestamppb.New(time.Date(2026, 11, 26, 9, 20, 0, 0, time.UTC)), NodeName: "worker", Verdict: flow.Verdict_REDIRECTED, ProxyPort: 12781,
			Source: &flow.Endpoint{Namespace: "ns", PodName: "p"}, EventType: &flow.CiliumEventType{Type: MessageTypePolicyVerdict}},
		httpFlow("ns", "p", "GET", "https://api.github.com/meta", 200),
	}
	var b bytes.Buffer
	if err := WriteJSONL(&b, flows); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(b.String(), "\n"); lines != 2 || !strings.Contains(b.String(), `"pod_name":"p"`) || !strings.Contains(b.String(), `{"flow":`) {
		t.Fatalf("want two `hubble observe -o jsonpb` lines with proto field names, got:\n%s", b.String())
	}
	back, err := ReadJSONL(strings.NewReader(b.String() + "\n" + `{"node_status":{"state_change":"NODE_CONNECTED"}}` + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != 2 || !proto.Equal(back[0], flows[0]) || !proto.Equal(back[1], flows[1]) {
		t.Fatalf("read back %v", back)
	}
	if _, err := ReadJSONL(strings.NewReader(b.String() + "{not json\n")); err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("error %v, want it to name line 3", err)
	}
}

// TestPortQuery builds the request and runs it through Hubble's own
// filters (pkg/hubble/filters, as Relay and the agents apply it): the pod's
// flows to its TLS ports, Envoy's L7 responses to the pod (source: the
// server) and the pod's flows to the intercepted names on other ports are
// in; its DNS and other pods' flows are out.
func TestPortQuery(t *testing.T) {
	q := PortQuery{SourcePod: "ns/p", Ports: []uint32{443, 8443}, Names: []string{"*.github.com", "github.com"}}
	req, err := q.Request()
	if err != nil {
		t.Fatal(err)
	}
	if req.GetNumber() != DefaultPortNumber || req.GetFollow() || len(req.GetWhitelist()) != 3 {
		t.Fatalf("request %v", req)
	}
	pod := &flow.Endpoint{Namespace: "ns", PodName: "p"}
	server := &flow.Endpoint{Identity: 16777218, Labels: []string{"reserved:world"}}
	tcp := func(src, dst uint32) *flow.Layer4 {
		return &flow.Layer4{Protocol: &flow.Layer4_TCP{TCP: &flow.TCP{SourcePort: src, DestinationPort: dst}}}
	}
	cases := []struct {
		name string
		f    *flow.Flow
		want bool
	}{
		{"request to 443", &flow.Flow{Source: pod, Destination: server, L4: tcp(40112, 443)}, true},
		{"L7 response to the pod", &flow.Flow{Source: server, Destination: pod, L4: tcp(443, 40112), Type: flow.FlowType_L7,
			EventType: &flow.CiliumEventType{Type: MessageTypeAccessLog}, L7: &flow.Layer7{Type: flow.L7FlowType_RESPONSE, Record: &flow.Layer7_Http{Http: &flow.HTTP{Code: 503}}}}, true},
		{"reply packet to the pod", &flow.Flow{Source: server, Destination: pod, L4: tcp(443, 40112), EventType: &flow.CiliumEventType{Type: MessageTypeTrace}}, false},
		{"intercepted name on 8443", &flow.Flow{Source: pod, Destination: server, L4: tcp(40113, 8443), DestinationNames: []string{"api.github.com"}}, true},
		{"intercepted name on 9000", &flow.Flow{Source: pod, Destination: server, L4: tcp(40114, 9000), DestinationNames: []string{"api.github.com"}}, true},
		{"other name on 9000", &flow.Flow{Source: pod, Destination: server, L4: tcp(40115, 9000), DestinationNames: []string{"example.com"}}, false},
		{"DNS", &flow.Flow{Source: pod, Destination: &flow.Endpoint{Namespace: "kube-system", PodName: "coredns-1"}, L4: &flow.Layer4{Protocol: &flow.Layer4_UDP{UDP: &flow.UDP{SourcePort: 5353, DestinationPort: 53}}}}, false},
		{"other pod", &flow.Flow{Source: &flow.Endpoint{Namespace: "ns", PodName: "other"}, Destination: server, L4: tcp(40116, 443)}, false},
	}
	wl, err := filters.BuildFilterList(context.Background(), req.GetWhitelist(), filters.DefaultFilters(slog.Default()))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		if got := filters.Apply(wl, nil, &v1.Event{Event: c.f}); got != c.want {
			t.Errorf("%s: selected %v, want %v", c.name, got, c.want)
		}
	}
	cmds := strings.Join(q.ObserveCommands(), "\n")
	for _, w := range []string{"--from-pod ns/p --to-port 8443", "--to-pod ns/p --from-port 443 --type l7", `--to-fqdn "*.github.com"`} {
		if !strings.Contains(cmds, w) {
			t.Errorf("commands lack %q:\n%s", w, cmds)
		}
	}
	for _, bad := range []PortQuery{{SourcePod: "p", Ports: []uint32{443}}, {SourcePod: "ns/p"}} {
		if _, err := bad.Request(); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}

func TestSeen(t *testing.T) {
	cases := map[string]*flow.Flow{
		"L7":             {Type: flow.FlowType_L7},
		"policy-verdict": {EventType: &flow.CiliumEventType{Type: MessageTypePolicyVerdict}},
		"datapath":       {EventType: &flow.CiliumEventType{Type: MessageTypeDrop}},
		"to-proxy":       {EventType: &flow.CiliumEventType{Type: MessageTypeTrace}, TraceObservationPoint: flow.TraceObservationPoint_TO_PROXY},
		"from-proxy":     {TraceObservationPoint: flow.TraceObservationPoint_FROM_PROXY},
	}
	for want, f := range cases {
		if got := Seen(f); got != want {
			t.Errorf("Seen = %q, want %q", got, want)
		}
	}
}
