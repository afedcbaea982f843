package doctor

import (
	"fmt"
	"sort"
	"strings"

	flowpb "github.com/cilium/cilium/api/v1/flow"

	"github.com/cilium-tls-intercept/sandbox/sandbox/hubble"
)

func checkUncoveredPort(e *env) Finding { return e.eachTarget(e.uncoveredPort) }

// uncoveredPort fails when Hubble saw the workload connect to an
// intercepted name on a port its TLS rules do not cover: a policy with TLS
// contexts makes the endpoint's egress default-deny, so such a connection
// is dropped, or, when another rule allows the port, goes out uninspected.
func (e *env) uncoveredPort(t datapathTarget) Finding {
	tlsPorts := map[uint32]bool{}
	var covered []string
	for _, tp := range e.tlsPortsOf(t) {
		for _, p := range tcpPorts(tp) {
			if !tlsPorts[uint32(p)] {
				tlsPorts[uint32(p)] = true
				covered = append(covered, fmt.Sprint(p))
			}
		}
	}
	n := e.podFlowCount(t)
	if n == 0 {
		return skip(fmt.Sprintf("Hubble Relay returned no flow of %s: make a request from it and run the doctor again", t))
	}
	byPort := map[uint32][]*flowpb.Flow{}
	for _, f := range e.st.Flows {
		port := f.GetL4().GetTCP().GetDestinationPort()
		if f.GetSource().GetPodName() != t.Pod.Name || f.GetSource().GetNamespace() != t.Pod.Namespace || f.GetIsReply().GetValue() ||
			f.GetType() == flowpb.FlowType_L7 || port == 0 || tlsPorts[port] || e.interceptedName(t, f.GetDestinationNames()) == "" {
			continue
		}
		byPort[port] = append(byPort[port], f)
	}
	if len(byPort) == 0 {
		return pass(fmt.Sprintf("Hubble saw %s reach the intercepted names only on the ports its TLS rules cover (%s)", t, strings.Join(covered, ", ")),
			fmt.Sprintf("Hubble: %d flows of the pod, none to an intercepted name on another port", n))
	}
	ports := make([]uint32, 0, len(byPort))
	for p := range byPort {
		ports = append(ports, p)
	}
	sort.Slice(ports, func(i, j int) bool { return ports[i] < ports[j] })
	var p problems
	for _, port := range ports {
		e.judgeUncovered(t, port, byPort[port], strings.Join(covered, ", "), &p)
	}
	return p.finding(fmt.Sprintf("%s reaches the intercepted names on other ports than %s only through a proxy", t, strings.Join(covered, ", ")), p.context...)
}

// judgeUncovered reports the newest connection on an uncovered port.
func (e *env) judgeUncovered(t datapathTarget, port uint32, flows []*flowpb.Flow, covered string, p *problems) {
	sort.SliceStable(flows, func(i, j int) bool { return flows[i].GetTime().AsTime().After(flows[j].GetTime().AsTime()) })
	last := flows[0]
	name := e.interceptedName(t, last.GetDestinationNames())
	what := fmt.Sprintf("%s connects to %s (%s) on port %d, which no TLS rule covers (they intercept %s)", t, name, last.GetIP().GetDestination(), port, covered)
	policies := map[string]bool{}
	for _, tp := range e.tlsPortsOf(t) {
		if selectsName(tp, name) {
			policies[tp.Policy] = true
		}
	}
	fix := fmt.Sprintf("if port %d carries HTTPS to be intercepted, add it to the toPorts of the TLS rule of %s, with the same terminatingTLS, originatingTLS and rules (this chart intercepts port 443 only: make the client use 443); if it is not to be intercepted, allow it in a rule of its own", port, strings.Join(sortedKeys(policies), ", "))
	var dropped, forwarded *flowpb.Flow
	for _, f := range flows {
		switch {
		case f.GetVerdict() == flowpb.Verdict_DROPPED && dropped == nil:
			dropped = f
		case f.GetVerdict() == flowpb.Verdict_FORWARDED && f.GetProxyPort() == 0 && forwarded == nil:
			forwarded = f
		}
	}
	switch {
	case dropped != nil && (forwarded == nil || dropped.GetTime().AsTime().After(forwarded.GetTime().AsTime())):
		p.add(fix, "%s: Hubble saw it dropped (%s%s): a TLS policy makes the pod's egress default-deny, so the connection fails", what, dropped.GetDropReasonDesc(), deniedBy(dropped))
		p.context = append(p.context, hubble.Describe(dropped))
	case forwarded == nil:
		p.context = append(p.context, hubble.Describe(last))
	case forwarded != nil:
		p.add(fix, "%s: Hubble saw it forwarded at L3/L4 with no redirect to Envoy%s, so it goes out uninspected", what, allowedBy([]*flowpb.Flow{forwarded}))
		p.context = append(p.context, hubble.Describe(forwarded))
	}
}

// interceptedName returns the first of names a TLS rule selecting t
// intercepts (its toFQDNs select it), or "".
func (e *env) interceptedName(t datapathTarget, names []string) string {
	for _, n := range names {
		for _, tp := range e.tlsPortsOf(t) {
			for _, s := range tp.Egress.ToFQDNs {
				if selectorMatches(s, n) {
					return strings.TrimSuffix(n, ".")
				}
			}
		}
	}
	return ""
}

// podFlowCount counts the flows of t's pod, both ways.
func (e *env) podFlowCount(t datapathTarget) int {
	n := 0
	for _, f := range e.st.Flows {
		for _, ep := range []*flowpb.Endpoint{f.GetSource(), f.GetDestination()} {
			if ep.GetPodName() == t.Pod.Name && ep.GetNamespace() == t.Pod.Namespace {
				n++
				break
			}
		}
	}
	return n
}
