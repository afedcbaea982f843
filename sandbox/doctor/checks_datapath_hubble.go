package doctor

import (
	"fmt"
	"sort"
	"strings"

	flowpb "github.com/cilium/cilium/api/v1/flow"

	"github.com/cilium-tls-intercept/sandbox/sandbox/hubble"
)

// shownFlows is how many of the most recent flows a finding quotes.
const shownFlows = 3

// flowsOf returns the flows Hubble saw from t's pod to its TLS ports,
// replies left out, newest first.
func (e *env) flowsOf(t datapathTarget) []*flowpb.Flow {
	ports := map[uint32]bool{}
	for _, tp := range e.tlsPortsOf(t) {
		for _, p := range tcpPorts(tp) {
			ports[uint32(p)] = true
		}
	}
	var out []*flowpb.Flow
	for _, f := range e.st.Flows {
		src := f.GetSource()
		if src.GetNamespace() != t.Pod.Namespace || src.GetPodName() != t.Pod.Name || f.GetIsReply().GetValue() || !ports[f.GetL4().GetTCP().GetDestinationPort()] {
			continue
		}
		out = append(out, f)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].GetTime().AsTime().After(out[j].GetTime().AsTime()) })
	return out
}

// connKey identifies the client side of a TCP connection.
func connKey(f *flowpb.Flow) string {
	return fmt.Sprintf("%s:%d>%s:%d", f.GetIP().GetSource(), f.GetL4().GetTCP().GetSourcePort(), f.GetIP().GetDestination(), f.GetL4().GetTCP().GetDestinationPort())
}

// lastConnection returns the flows of the newest connection the pod opened
// (Envoy's own upstream connection, traced from-proxy, is not the pod's).
func lastConnection(flows []*flowpb.Flow) []*flowpb.Flow {
	key := ""
	for _, f := range flows {
		if f.GetTraceObservationPoint() != flowpb.TraceObservationPoint_FROM_PROXY {
			key = connKey(f)
			break
		}
	}
	var out []*flowpb.Flow
	for _, f := range flows {
		if key != "" && connKey(f) == key && f.GetTraceObservationPoint() != flowpb.TraceObservationPoint_FROM_PROXY {
			out = append(out, f)
		}
	}
	return out
}

// connOutcome is what Hubble says happened to one connection.
type connOutcome struct {
	intercepted bool
	reason, fix string
}

func checkHubbleFlows(e *env) Finding { return e.eachTarget(e.hubbleFlows) }

func (e *env) hubbleFlows(t datapathTarget) Finding {
	flows := e.flowsOf(t)
	if len(flows) == 0 {
		return skip(fmt.Sprintf("Hubble Relay returned no flow from %s to its TLS ports: make a request from it (kubectl -n %s exec %s -- curl -sI https://<intercepted name>) and run the doctor again", t, t.Pod.Namespace, t.Pod.Name))
	}
	var ev []string
	for _, f := range flows[:min(shownFlows, len(flows))] {
		ev = append(ev, hubble.Describe(f))
	}
	conn := lastConnection(flows)
	if len(conn) == 0 {
		return skip(fmt.Sprintf("Hubble shows only Envoy's upstream connections for %s, not one the pod opened", t))
	}
	o := e.outcome(t, conn)
	if o.intercepted {
		return pass(o.reason, ev...)
	}
	return fail(o.reason, o.fix, ev...)
}

// outcome classifies one connection by its flows: Envoy's HTTP record
// means intercepted; a drop has its reason; a redirect to Envoy without an
// HTTP record means the TLS handshake with Envoy failed; a connection
// forwarded without a redirect went straight to the server.
func (e *env) outcome(t datapathTarget, conn []*flowpb.Flow) connOutcome {
	first := conn[0]
	dst := fmt.Sprintf("%s:%d", first.GetIP().GetDestination(), first.GetL4().GetTCP().GetDestinationPort())
	if names := first.GetDestinationNames(); len(names) > 0 {
		dst += " (" + strings.Join(names, ", ") + ")"
	}
	what := fmt.Sprintf("the last connection from %s to %s", t, dst)
	redirect, dropped := (*flowpb.Flow)(nil), (*flowpb.Flow)(nil)
	for _, f := range conn {
		if f.GetType() == flowpb.FlowType_L7 {
			return e.l7Outcome(what, f)
		}
		if f.GetVerdict() == flowpb.Verdict_DROPPED && dropped == nil {
			dropped = f
		}
		if f.GetVerdict() == flowpb.Verdict_REDIRECTED || f.GetProxyPort() != 0 || f.GetTraceObservationPoint() == flowpb.TraceObservationPoint_TO_PROXY {
			if redirect == nil || f.GetProxyPort() > redirect.GetProxyPort() {
				redirect = f
			}
		}
	}
	switch {
	case dropped != nil:
		return connOutcome{reason: fmt.Sprintf("%s was dropped (%s) before it reached Envoy%s", what, dropped.GetDropReasonDesc(), deniedBy(dropped)),
			fix: "a policy denial of an intercepted name means its address has no identity the TLS rule selects: see fqdn-learned; for other reasons, hubble observe --pod " + t.Pod.Namespace + "/" + t.Pod.Name + " --verdict DROPPED"}
	case redirect != nil:
		port := ""
		if p := redirect.GetProxyPort(); p != 0 {
			port = fmt.Sprintf(" (proxy port %d)", p)
		}
		return connOutcome{reason: fmt.Sprintf("%s was redirected to Envoy%s but Envoy logged no HTTP request for it: the TLS handshake between the workload and Envoy failed", what, port),
			fix: fmt.Sprintf("the client must trust the sandbox CA and send a name the certificate covers (curl --cacert <the mounted intercept CA> https://<name>); %s names the handshake error", e.envoyLog())}
	}
	id := fmt.Sprint(first.GetDestination().GetIdentity())
	if l := first.GetDestination().GetLabels(); first.GetDestination().GetIdentity() < 256 && len(l) > 0 {
		id += " " + l[0]
	}
	return connOutcome{reason: fmt.Sprintf("%s went straight to the server: Hubble saw it forwarded at L3/L4 (destination identity %s) with no redirect to Envoy%s", what, id, allowedBy(conn)),
		fix: "the TLS rule redirects only addresses the DNS proxy learned for the intercepted names: make the client resolve through kube-dns (no pinned addresses, no DNS over HTTPS), and remove the rule that allows this port without TLS"}
}

// l7Outcome judges Envoy's access log record of a connection.
func (e *env) l7Outcome(what string, f *flowpb.Flow) connOutcome {
	h := f.GetL7().GetHttp()
	switch {
	case h != nil && f.GetVerdict() == flowpb.Verdict_DROPPED:
		return connOutcome{intercepted: true, reason: fmt.Sprintf("%s was intercepted: Envoy parsed %s %s and an L7 rule denied it", what, h.GetMethod(), h.GetUrl())}
	case h != nil:
		return connOutcome{intercepted: true, reason: fmt.Sprintf("%s was intercepted: Hubble has Envoy's HTTP record of it (%s %s)", what, h.GetMethod(), h.GetUrl())}
	case f.GetVerdict() == flowpb.Verdict_DROPPED:
		return connOutcome{reason: fmt.Sprintf("%s was dropped by Envoy before any HTTP: no rule of its network policy allows the connection (the TLS server name matches no serverNames)", what),
			fix: "make the rule's serverNames (and its certificate's SANs) cover the name the client sends; " + e.envoyLog() + " shows the denial"}
	}
	return connOutcome{intercepted: true, reason: fmt.Sprintf("%s went through Envoy (an L7 record without HTTP)", what)}
}

// envoyLog is where Envoy's log is read.
func (e *env) envoyLog() string {
	if v, _ := e.configValue("external-envoy-proxy"); v == "true" {
		return fmt.Sprintf("kubectl -n %s logs ds/%s | grep -i tls", e.scope.CiliumNamespace, envoyDaemonSet)
	}
	return fmt.Sprintf("kubectl -n %s logs ds/%s -c %s | grep -i tls", e.scope.CiliumNamespace, agentDaemonSet, agentContainer)
}

// allowedBy names the policies Hubble says allowed a flow.
func allowedBy(conn []*flowpb.Flow) string {
	var names []string
	for _, f := range conn {
		for _, p := range f.GetEgressAllowedBy() {
			names = append(names, policyName(p))
		}
	}
	if len(names) == 0 {
		return ""
	}
	return ", allowed by " + strings.Join(dedupeKeepOrder(names), ", ")
}

func deniedBy(f *flowpb.Flow) string {
	var names []string
	for _, p := range f.GetEgressDeniedBy() {
		names = append(names, policyName(p))
	}
	if len(names) == 0 {
		return ""
	}
	return ", denied by " + strings.Join(names, ", ")
}

func policyName(p *flowpb.Policy) string {
	kind := p.GetKind()
	if kind == "" {
		kind = string(KindPolicy)
	}
	return ref(kind, p.GetNamespace(), p.GetName())
}
