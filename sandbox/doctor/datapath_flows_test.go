package doctor

import (
	"time"

	flowpb "github.com/cilium/cilium/api/v1/flow"
	"google.golang.org/protobuf/proto"
)

// What happened to a connection, as Hubble records it.
const (
	flowIntercepted = iota
	flowTLSError
	flowPolicyDenied
	flowL4Forwarded
	flowNoPolicy
	// flowUpstreamFailed: Envoy took the request but could not complete
	// its TLS handshake with the server, and answered 503 itself.
	flowUpstreamFailed
)

// connection is the flows Hubble records for one connection of the
// workload to dst:443, secs seconds after 09:20 on the fixed day, newest
// first.
func (f datapathFixture) connection(secs int, sport uint32, dst string, dstID uint32, names []string, what int) []*flowpb.Flow {
	at := time.Date(2026, 11, 26, 9, 20, secs, 0, time.UTC)
	mk := func(ms int, verdict flowpb.Verdict) *flowpb.Flow {
		return &flowpb.Flow{Time: timestamppbAt(at.Add(time.Duration(ms) * time.Millisecond)), Verdict: verdict, NodeName: workloadNode,
			IP:          &flowpb.IP{Source: workloadIP, Destination: dst, IpVersion: flowpb.IPVersion_IPv4},
			L4:          &flowpb.Layer4{Protocol: &flowpb.Layer4_TCP{TCP: &flowpb.TCP{SourcePort: sport, DestinationPort: 443, Flags: &flowpb.TCPFlags{SYN: true}}}},
			Source:      &flowpb.Endpoint{ID: 1283, Identity: 31025, Namespace: "intercept-workload", PodName: workloadPod, Labels: []string{"k8s:app=intercept-workload", "k8s:io.kubernetes.pod.namespace=intercept-workload"}},
			Destination: &flowpb.Endpoint{Identity: dstID, Labels: destinationLabels(dstID, dst)}, DestinationNames: names,
			Type: flowpb.FlowType_L3_L4, TrafficDirection: flowpb.TrafficDirection_EGRESS, IsReply: boolValue(false)}
	}
	verdict := func(v flowpb.Verdict, port uint32) *flowpb.Flow {
		fl := mk(0, v)
		fl.EventType, fl.ProxyPort, fl.PolicyMatchType = &flowpb.CiliumEventType{Type: 5}, port, 2
		return fl
	}
	trace := func(ms int, point flowpb.TraceObservationPoint) *flowpb.Flow {
		fl := mk(ms, flowpb.Verdict_FORWARDED)
		fl.EventType, fl.TraceObservationPoint = &flowpb.CiliumEventType{Type: 4, SubType: 0}, point
		return fl
	}
	switch what {
	case flowPolicyDenied:
		d := mk(0, flowpb.Verdict_DROPPED)
		d.EventType, d.DropReasonDesc, d.DropReason = &flowpb.CiliumEventType{Type: 1, SubType: 133}, flowpb.DropReason_POLICY_DENIED, 133
		return []*flowpb.Flow{d}
	case flowNoPolicy: // no policy selects the endpoint: no policy verdict
		return []*flowpb.Flow{trace(1, flowpb.TraceObservationPoint_TO_STACK)}
	case flowL4Forwarded:
		v := verdict(flowpb.Verdict_FORWARDED, 0)
		v.EgressAllowedBy = []*flowpb.Policy{{Name: "allow-https-egress", Namespace: "intercept-workload", Kind: "CiliumNetworkPolicy", Revision: 13,
			Labels: []string{"k8s:io.cilium.k8s.policy.derived-from=CiliumNetworkPolicy", "k8s:io.cilium.k8s.policy.name=allow-https-egress", "k8s:io.cilium.k8s.policy.namespace=intercept-workload"}}}
		return []*flowpb.Flow{trace(1, flowpb.TraceObservationPoint_TO_STACK), v}
	}
	flows := []*flowpb.Flow{trace(1, flowpb.TraceObservationPoint_TO_PROXY), verdict(flowpb.Verdict_REDIRECTED, proxyPort)}
	if what == flowTLSError {
		return flows
	}
	l7 := mk(48, flowpb.Verdict_FORWARDED)
	l7.Type, l7.EventType, l7.L4.GetTCP().Flags = flowpb.FlowType_L7, &flowpb.CiliumEventType{Type: 129}, nil
	l7.L7 = &flowpb.Layer7{Type: flowpb.L7FlowType_REQUEST, Record: &flowpb.Layer7_Http{Http: &flowpb.HTTP{Method: "GET", Url: "https://api.github.com/meta", Protocol: "HTTP/1.1",
		Headers: []*flowpb.HTTPHeader{{Key: ":authority", Value: "api.github.com"}, {Key: "user-agent", Value: "curl/8.11.1"}}}}}
	up := trace(52, flowpb.TraceObservationPoint_FROM_PROXY)
	up.L4.GetTCP().SourcePort = sport + 7331
	code := uint32(200)
	if what == flowUpstreamFailed {
		code = 503
	}
	return append([]*flowpb.Flow{response(l7, code, 131), up, l7}, flows...)
}

// response is Envoy's L7 record of the response to request req, as Hubble
// shows it: Cilium's access log server swaps the request's addresses, so
// its source is the server and its destination the pod (pkg/envoy
// accesslog_server.go logRecord); the request's method and URL stay.
func response(req *flowpb.Flow, code uint32, ms int) *flowpb.Flow {
	r := proto.Clone(req).(*flowpb.Flow)
	r.Time = timestamppbAt(req.GetTime().AsTime().Add(time.Duration(ms-48) * time.Millisecond))
	r.IP.Source, r.IP.Destination = req.GetIP().GetDestination(), req.GetIP().GetSource()
	tcp := r.GetL4().GetTCP()
	tcp.SourcePort, tcp.DestinationPort = tcp.GetDestinationPort(), tcp.GetSourcePort()
	r.Source, r.Destination = req.GetDestination(), req.GetSource()
	r.SourceNames, r.DestinationNames = req.GetDestinationNames(), nil
	r.IsReply, r.Reply = boolValue(true), true
	r.L7.Type = flowpb.L7FlowType_RESPONSE
	r.L7.LatencyNs = uint64(ms-48) * uint64(time.Millisecond)
	h := r.GetL7().GetHttp()
	h.Code, h.Headers = code, []*flowpb.HTTPHeader{{Key: "server", Value: "envoy"}}
	return r
}

func destinationLabels(id uint32, ip string) []string {
	if id == 2 {
		return []string{"reserved:world"}
	}
	return []string{"cidr:" + ip + "/32", "reserved:world"}
}
