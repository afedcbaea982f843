package hubble

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/cilium/cilium/api/v1/flow"
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

func TestPortQuery(t *testing.T) {
	req, err := PortQuery{SourcePod: "ns/p", Ports: []uint32{443, 8443}}.Request()
	if err != nil {
		t.Fatal(err)
	}
	f := req.GetWhitelist()[0]
	if req.GetNumber() != DefaultPortNumber || req.GetFollow() || f.GetSourcePod()[0] != "ns/p" || strings.Join(f.GetDestinationPort(), ",") != "443,8443" || f.GetEventType() != nil {
		t.Errorf("request %v", req)
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
