package doctor

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	flowpb "github.com/cilium/cilium/api/v1/flow"
	"github.com/cilium/cilium/pkg/policy/api"
)

// shownDenials is how many denied requests a finding lists.
const shownDenials = 5

func checkHTTPDenied(e *env) Finding { return e.eachTarget(e.httpDenied) }

// httpDenied warns about the workload's requests Envoy denied by an HTTP
// rule: Cilium's Envoy logs a request no rule allows as denied and answers
// it 403 "Access denied" (cilium/proxy l7policy.cc), which Hubble shows as
// an L7 request with verdict DROPPED. Whether that was meant is the user's
// call, so this is a warning, never the root cause.
func (e *env) httpDenied(t datapathTarget) Finding {
	var denied []*flowpb.Flow
	for _, f := range e.st.Flows {
		if f.GetSource().GetPodName() == t.Pod.Name && f.GetSource().GetNamespace() == t.Pod.Namespace && f.GetType() == flowpb.FlowType_L7 &&
			f.GetL7().GetType() == flowpb.L7FlowType_REQUEST && f.GetL7().GetHttp() != nil && f.GetVerdict() == flowpb.Verdict_DROPPED {
			denied = append(denied, f)
		}
	}
	if len(denied) == 0 {
		n := e.podFlowCount(t)
		if n == 0 {
			return skip(fmt.Sprintf("Hubble Relay returned no flow of %s: make a request from it and run the doctor again", t))
		}
		return pass(fmt.Sprintf("Envoy denied none of %s's requests in Hubble's last flows", t), fmt.Sprintf("Hubble: %d flows of the pod, no L7 request denied", n))
	}
	sort.SliceStable(denied, func(i, j int) bool { return denied[i].GetTime().AsTime().After(denied[j].GetTime().AsTime()) })
	var reqs, ev []string
	rules := map[string]bool{}
	for _, f := range denied {
		h := f.GetL7().GetHttp()
		req := fmt.Sprintf("%s %s", h.GetMethod(), h.GetUrl())
		if len(reqs) < shownDenials {
			reqs = append(reqs, req)
			ev = append(ev, fmt.Sprintf("%s %s: 403 Access denied", f.GetTime().AsTime().UTC().Format(time.RFC3339), req))
		}
		for _, r := range e.httpRulesFor(t, f) {
			rules[r] = true
		}
	}
	ruleList := sortedKeys(rules)
	reason := fmt.Sprintf("Envoy denied %d of %s's requests by HTTP rule (403 Access denied): %s", len(denied), t, strings.Join(reqs, ", "))
	if len(denied) > len(reqs) {
		reason += fmt.Sprintf(" and %d more", len(denied)-len(reqs))
	}
	if len(ruleList) > 0 {
		reason += "; " + strings.Join(ruleList, "; ")
	}
	return warn(reason+". Interception works; whether these requests should pass is your call",
		"if they should, add them to the HTTP rules of the policy named (this chart: intercept.<group>.http, each rule a method and path regex); the decrypted requests are matched whole, an allow-list",
		ev...)
}

// httpRulesFor names the rules that denied f: the HTTP rules of the TLS
// port rules whose toFQDNs select the request's host on its port (Envoy
// allows a request when one of them matches; none did).
func (e *env) httpRulesFor(t datapathTarget, f *flowpb.Flow) []string {
	u, err := url.Parse(f.GetL7().GetHttp().GetUrl())
	if err != nil {
		return nil
	}
	port := f.GetL4().GetTCP().GetDestinationPort()
	var out []string
	for _, tp := range e.tlsPortsOf(t) {
		if !hasPort(tp, port) || !selectsName(tp, u.Hostname()) || tp.Port.Rules == nil {
			continue
		}
		var allowed []string
		for _, r := range tp.Port.Rules.HTTP {
			allowed = append(allowed, httpRuleString(r))
		}
		out = append(out, fmt.Sprintf("%s allows on port %d to %s only: %s", tp.Policy, port, strings.Join(tp.interceptedNames(), ", "), strings.Join(allowed, ", ")))
	}
	return out
}

func hasPort(tp tlsPort, port uint32) bool {
	for _, p := range tcpPorts(tp) {
		if uint32(p) == port {
			return true
		}
	}
	return false
}

func selectsName(tp tlsPort, name string) bool {
	for _, s := range tp.Egress.ToFQDNs {
		if selectorMatches(s, name) {
			return true
		}
	}
	return len(tp.Egress.ToFQDNs) == 0
}

// httpRuleString spells an HTTP rule as the policy writes it.
func httpRuleString(r api.PortRuleHTTP) string {
	var parts []string
	if r.Method != "" {
		parts = append(parts, r.Method)
	}
	if r.Host != "" {
		parts = append(parts, "host "+r.Host)
	}
	if r.Path != "" {
		parts = append(parts, r.Path)
	}
	for _, h := range r.Headers {
		parts = append(parts, "header "+h)
	}
	if len(parts) == 0 {
		return "anything ({})"
	}
	return strings.Join(parts, " ")
}
