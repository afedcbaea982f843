package doctor

import (
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"

	flowpb "github.com/cilium/cilium/api/v1/flow"

	"github.com/cilium-tls-intercept/sandbox/sandbox/hubble"
)

// upstreamInputs are what the upstream checks read for one workload pod:
// Envoy's TLS counters on its node, Envoy's L7 responses to it (Hubble),
// and the TLS errors Envoy logged there.
type upstreamInputs struct {
	node     string
	counters tlsCounters
	// responses are Envoy's L7 HTTP responses to the pod on its TLS ports,
	// newest first; flowsUnread says why there are none to read.
	responses   []*flowpb.Flow
	flowsUnread string
	// tlsErrors are Envoy's log lines naming a TLS error, by the error's
	// name (CERTIFICATE_VERIFY_FAILED, TLSV1_ALERT_CERTIFICATE_REQUIRED);
	// logsRead says which logs were searched.
	tlsErrors map[string][]string
	logsRead  string
}

// readUpstreamInputs reads t's upstream inputs; the string says why the
// counters, which both upstream checks need, cannot be read.
func (e *env) readUpstreamInputs(t datapathTarget) (upstreamInputs, string) {
	in := upstreamInputs{node: t.Pod.Spec.NodeName}
	var answers [2]envoyMetrics
	for i, filter := range []string{metricsFilterTLS, metricsFilterConnectFail} {
		cmd := cmdEnvoyMetrics(filter)
		out, why := e.output(t, cmd)
		if why != "" {
			return in, why
		}
		m, err := parseEnvoyMetrics(out)
		if err != nil {
			return in, e.unreadable(t, cmd, out, err)
		}
		answers[i] = m
	}
	in.counters = readTLSCounters(answers[0], answers[1])
	if r := e.st.missing(KindHubbleFlow); r != "" {
		in.flowsUnread = r
	} else {
		in.responses = e.responsesTo(t)
	}
	in.tlsErrors, in.logsRead = e.envoyTLSErrors(t)
	return in, ""
}

// responsesTo returns Envoy's L7 HTTP responses to t's pod from its TLS
// ports, newest first: their source is the server (Cilium's access log
// server swaps the addresses of response records, pkg/envoy
// accesslog_server.go), their destination the pod.
func (e *env) responsesTo(t datapathTarget) []*flowpb.Flow {
	ports := map[uint32]bool{}
	for _, tp := range e.tlsPortsOf(t) {
		for _, p := range tcpPorts(tp) {
			ports[uint32(p)] = true
		}
	}
	var out []*flowpb.Flow
	for _, f := range e.st.Flows {
		dst := f.GetDestination()
		if f.GetType() != flowpb.FlowType_L7 || f.GetL7().GetType() != flowpb.L7FlowType_RESPONSE || f.GetL7().GetHttp() == nil ||
			dst.GetNamespace() != t.Pod.Namespace || dst.GetPodName() != t.Pod.Name || !ports[f.GetL4().GetTCP().GetSourcePort()] {
			continue
		}
		out = append(out, f)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].GetTime().AsTime().After(out[j].GetTime().AsTime()) })
	return out
}

// lastResponse is the newest response, or nil.
func (in upstreamInputs) lastResponse() *flowpb.Flow {
	if len(in.responses) == 0 {
		return nil
	}
	return in.responses[0]
}

// count503 counts Envoy's 503 answers among the responses.
func (in upstreamInputs) count503() int {
	n := 0
	for _, f := range in.responses {
		if f.GetL7().GetHttp().GetCode() == 503 {
			n++
		}
	}
	return n
}

// request names a response's request: "GET https://api.github.com/meta".
func request(f *flowpb.Flow) string {
	h := f.GetL7().GetHttp()
	return h.GetMethod() + " " + h.GetUrl()
}

// host is the host of a response's request URL.
func host(f *flowpb.Flow) string {
	u, err := url.Parse(f.GetL7().GetHttp().GetUrl())
	if err != nil {
		return ""
	}
	return u.Hostname()
}

// responseEvidence lists the newest responses, or why there are none.
func (in upstreamInputs) responseEvidence() []string {
	if in.flowsUnread != "" {
		return []string{"Hubble: unread (" + in.flowsUnread + ")"}
	}
	if len(in.responses) == 0 {
		return []string{"Hubble: no L7 response to the pod from its TLS ports in the last flows"}
	}
	out := []string{fmt.Sprintf("Hubble: %d of the last %d L7 responses to the pod are 503", in.count503(), len(in.responses))}
	for _, f := range in.responses[:min(shownFlows, len(in.responses))] {
		out = append(out, hubble.Describe(f))
	}
	return out
}

// tlsErrorName finds the error name in Envoy's TLS error text:
// "TLS_error:|268435581:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED:TLS_error_end"
// (SslSocket::drainErrorQueue joins BoringSSL's packed error, library,
// function and reason; Envoy logs it at debug level, and puts it in the
// 503's body as the transport failure reason).
var tlsErrorName = regexp.MustCompile(`TLS_error:\|\d+:[^:]*:[^:]*:([A-Z0-9_]+)`)

// envoyTLSErrors collects the TLS errors Envoy on t's node logged: the
// cilium-envoy pod's log, or the agent's when Envoy runs inside it.
func (e *env) envoyTLSErrors(t datapathTarget) (map[string][]string, string) {
	var logs []AgentLog
	for _, p := range e.st.envoyPods(e.scope.CiliumNamespace) {
		for _, l := range e.st.EnvoyLogs {
			if l.Pod == p.Name && p.Spec.NodeName == t.Pod.Spec.NodeName {
				logs = append(logs, l)
			}
		}
	}
	if v, _ := e.configValue("external-envoy-proxy"); v != "true" {
		for _, l := range e.st.AgentLogs {
			if l.Pod == t.Agent {
				logs = append(logs, l)
			}
		}
	}
	var names []string
	out := map[string][]string{}
	for _, l := range logs {
		names = append(names, l.Pod)
		for _, line := range strings.Split(l.Text, "\n") {
			for _, m := range tlsErrorName.FindAllStringSubmatch(line, -1) {
				out[m[1]] = append(out[m[1]], l.Pod+": "+strings.TrimSpace(line))
			}
		}
	}
	if len(names) == 0 {
		return out, "no log of Envoy on node " + t.Pod.Spec.NodeName + " was read"
	}
	return out, "the logs of " + strings.Join(names, ", ")
}

// logEvidence quotes the logged lines of the named TLS errors, or says
// none was logged and how to make Envoy log them.
func (in upstreamInputs) logEvidence(e *env, names ...string) []string {
	var out []string
	for _, n := range names {
		lines := in.tlsErrors[n]
		if len(lines) > 0 {
			out = append(out, fmt.Sprintf("Envoy logged %s %d time(s) (%s)", n, len(lines), in.logsRead))
			out = append(out, lines[:min(2, len(lines))]...)
		}
	}
	if len(out) == 0 {
		out = append(out, fmt.Sprintf("Envoy logged no TLS_error line (%s): it logs handshake errors at debug level; %s", in.logsRead, e.envoyDebugHint()))
	}
	return out
}

// envoyDebugHint says how to make Envoy log handshake errors.
func (e *env) envoyDebugHint() string {
	if e.version != nil && e.version.AtLeast(17) {
		return "cilium-dbg envoy admin logging set loggers connection=debug, in the agent on the node, turns them on"
	}
	return "Cilium 1.16's cilium-dbg cannot change Envoy's log level; its Helm values debug.enabled=true and debug.verbose=flow run Envoy at debug level"
}
