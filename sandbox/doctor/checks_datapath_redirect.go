package doctor

import (
	"fmt"
	"slices"
	"strings"

	"github.com/cilium/cilium/api/v1/models"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// redirectInputs are the agent's answers endpoint-redirect reads for one pod.
type redirectInputs struct {
	ep        *models.Endpoint
	entries   []policyEntry
	repoRev   int64
	selectors map[string][]int64
	rules     []l4Rule
}

// readRedirectInputs runs the parsers over endpoint get, bpf policy get,
// policy get and policy selectors; the string is why they cannot be read.
func (e *env) readRedirectInputs(t datapathTarget) (redirectInputs, string) {
	var in redirectInputs
	steps := []struct {
		cmd   agentCommand
		parse func(string) error
	}{
		{cmdEndpointGet(t.EndpointID), func(s string) (err error) {
			if in.ep, err = parseEndpoint(s); err == nil {
				in.rules, err = realizedEgress(in.ep)
			}
			return err
		}},
		{cmdBPFPolicyGet(t.EndpointID), func(s string) (err error) { in.entries, err = parseBPFPolicy(s); return err }},
		{cmdPolicyGet(), func(s string) (err error) { in.repoRev, err = parsePolicyRevision(s); return err }},
		{cmdPolicySelectors(), func(s string) (err error) { in.selectors, err = parseSelectors(s); return err }},
	}
	for _, s := range steps {
		out, why := e.output(t, s.cmd)
		if why != "" {
			return in, why
		}
		if err := s.parse(out); err != nil {
			return in, e.unreadable(t, s.cmd, out, err)
		}
	}
	return in, ""
}

func checkEndpointRedirect(e *env) Finding { return e.eachTarget(e.endpointRedirect) }

func (e *env) endpointRedirect(t datapathTarget) Finding {
	in, why := e.readRedirectInputs(t)
	if why != "" {
		return unread(why)
	}
	var ok, missing []string
	for _, tp := range e.tlsPortsOf(t) {
		for _, port := range tcpPorts(tp) {
			if msg, good := in.judgePort(tp, port); good {
				ok = append(ok, msg)
			} else {
				missing = append(missing, msg)
			}
		}
	}
	if len(missing) > 0 || len(ok) == 0 {
		return e.noRedirect(t, in, dedupeKeepOrder(missing))
	}
	if f, judged := e.notRealized(t, in, dedupeKeepOrder(ok)); judged {
		return f
	}
	ev := append(dedupeKeepOrder(ok), fmt.Sprintf("endpoint %d: %s", t.EndpointID, revisionsOf(in.ep, in.repoRev)))
	return pass(fmt.Sprintf("endpoint %d (%s) redirects its TLS ports to Envoy, as realized by the agent on its node", t.EndpointID, t), ev...)
}

// judgePort says whether egress port/TCP of rule tp is redirected to a
// proxy for the identities its toFQDNs select (any identity without toFQDNs).
func (in redirectInputs) judgePort(tp tlsPort, port int) (string, bool) {
	proxied := map[int64]int{}
	for _, en := range in.entries {
		if en.Egress && !en.Deny && en.PortProto == fmt.Sprintf("%d/TCP", port) && en.ProxyPort > 0 {
			proxied[en.Identity] = en.ProxyPort
		}
	}
	if len(tp.Egress.ToFQDNs) == 0 {
		if len(proxied) == 0 {
			return fmt.Sprintf("%s: no BPF policy entry sends egress %d/TCP to a proxy", tp.Policy, port), false
		}
		return fmt.Sprintf("%s: egress %d/TCP goes to a proxy for %d identities", tp.Policy, port, len(proxied)), true
	}
	sels := fqdnIdentities(tp.Egress, in.selectors)
	var ids, bare []int64
	for _, k := range sortedKeys(sels) {
		ids = append(ids, sels[k]...)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	for _, id := range ids {
		if _, ok := proxied[id]; !ok {
			bare = append(bare, id)
		}
	}
	names := quoteList(tp.interceptedNames())
	switch {
	case len(ids) == 0 && in.realizedRedirect(port, sels):
		return fmt.Sprintf("%s: the realized rule redirects egress %d/TCP for %s, whose selectors select no identity yet (fqdn-learned says whether the names were learned)", tp.Policy, port, names), true
	case len(ids) == 0:
		return fmt.Sprintf("%s: no realized rule redirects egress %d/TCP for %s", tp.Policy, port, names), false
	case len(bare) > 0:
		return fmt.Sprintf("%s: egress %d/TCP to identities %s (selected by %s) has no proxy port in the BPF policy map", tp.Policy, port, idList(bare), names), false
	}
	return fmt.Sprintf("%s: egress %d/TCP to identities %s (%s) goes to proxy port %d", tp.Policy, port, idList(ids), names, proxied[ids[0]]), true
}

// realizedRedirect reports whether a realized egress rule on port redirects
// for one of the toFQDNs selectors in sels.
func (in redirectInputs) realizedRedirect(port int, sels map[string][]int64) bool {
	for _, s := range redirectedSelectors(in.rules, port, "TCP") {
		for k := range sels {
			if canonicalSelector(s) == canonicalSelector(k) {
				return true
			}
		}
	}
	return false
}

// noRedirect explains a missing redirect: a realized revision behind the
// repository's means the regeneration failed; a current one means the
// agent's policy for the endpoint has no TLS rule.
func (e *env) noRedirect(t datapathTarget, in redirectInputs, missing []string) Finding {
	var realized int64
	if p := in.ep.Status.Policy; p != nil && p.Realized != nil {
		realized = p.Realized.PolicyRevision
	}
	ev := append(missing, fmt.Sprintf("endpoint %d: %s", t.EndpointID, revisionsOf(in.ep, in.repoRev)))
	ev = append(ev, egressEntries(in.entries)...)
	ev = append(ev, statusFailures(in.ep)...)
	if in.ep.Status.Identity != nil {
		ev = append(ev, fmt.Sprintf("identity %d labels: %s", in.ep.Status.Identity.ID, strings.Join(in.ep.Status.Identity.Labels, ", ")))
	}
	id := fmt.Sprint(t.EndpointID)
	if realized < in.repoRev {
		return fail(fmt.Sprintf("endpoint %d (%s) does not redirect its TLS port to Envoy: its realized policy revision %d lags the agent's repository (revision %d), so its last regeneration failed and it keeps its old policy", t.EndpointID, t, realized, in.repoRev),
			fmt.Sprintf("read why in the endpoint's status log (%s) and the agent's log (\"Error getting TLS Context\", \"regeneration failed\"), fix that, then %s", e.agentExec(t, "endpoint get "+id), e.agentExec(t, "endpoint regenerate "+id)),
			ev...)
	}
	if why, lacks := e.identityLacks(t, in.ep); lacks != "" {
		return fail(fmt.Sprintf("endpoint %d (%s) does not redirect its TLS port to Envoy: its realized policy is current (revision %d) but no TLS rule applies to it: %s", t.EndpointID, t, realized, why),
			fmt.Sprintf("keep %s in Cilium's identities (cilium-config labels, Helm value labels: add it to the list), or select the workload by a label its identity keeps", lacks),
			ev...)
	}
	return fail(fmt.Sprintf("endpoint %d (%s) does not redirect its TLS port to Envoy: its realized policy is current (revision %d) but holds no TLS rule for it", t.EndpointID, t, realized),
		fmt.Sprintf("check that the agent imported the policy (%s, look for the policy's name); an agent that never imported it is not watching CiliumNetworkPolicies: read its log, or restart it (kubectl -n %s delete pod %s)", e.agentExec(t, "policy get"), e.scope.CiliumNamespace, t.Agent),
		ev...)
}

// identityLacks says when the endpoint's security identity lacks a label
// a TLS policy selects the pod by (Cilium's identity-relevant labels, the
// cilium-config key "labels", drop it), naming the label.
func (e *env) identityLacks(t datapathTarget, ep *models.Endpoint) (why, label string) {
	if ep.Status.Identity == nil {
		return "", ""
	}
	idPod := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: t.Pod.Namespace, Labels: map[string]string{}}}
	for _, l := range ep.Status.Identity.Labels {
		src, kv, _ := strings.Cut(l, ":")
		if k, v, ok := strings.Cut(kv, "="); ok && src == "k8s" {
			idPod.Labels[k] = v
		}
	}
	for _, tp := range e.tlsPortsOf(t) {
		if ok, _ := selects(tp.Rule.EndpointSelector, idPod); ok || tp.Rule.EndpointSelector.LabelSelector == nil {
			continue
		}
		for k, v := range tp.Rule.EndpointSelector.MatchLabels {
			k = stripSource(k)
			if _, has := idPod.Labels[k]; !has && k != "io.kubernetes.pod.namespace" {
				label = k + "=" + v
				why = fmt.Sprintf("its identity %d lacks the label %s that %s selects", ep.Status.Identity.ID, label, tp.Policy)
				if v, ok := e.configValue("labels"); ok {
					why += fmt.Sprintf(" (%s keeps only the identity labels %q)", e.configRef(), v)
				}
				return why, label
			}
		}
	}
	return "", ""
}

// egressEntries formats the endpoint's egress BPF policy entries.
func egressEntries(entries []policyEntry) []string {
	var out []string
	for _, en := range entries {
		if !en.Egress {
			continue
		}
		verdict, proxy := "Allow", "no proxy"
		if en.Deny {
			verdict = "Deny"
		}
		if en.ProxyPort > 0 {
			proxy = fmt.Sprintf("proxy port %d", en.ProxyPort)
		}
		out = append(out, fmt.Sprintf("bpf policy: %s egress identity %d %s, %s", verdict, en.Identity, en.PortProto, proxy))
	}
	if len(out) == 0 {
		out = append(out, "bpf policy: no egress entry")
	}
	return out
}

// statusFailures quotes the failures of the endpoint's status log.
func statusFailures(ep *models.Endpoint) []string {
	var out []string
	for _, c := range ep.Status.Log {
		if c != nil && strings.EqualFold(c.Code, "Failure") && len(out) < 3 {
			out = append(out, fmt.Sprintf("endpoint status log %s: %s", c.Timestamp, c.Message))
		}
	}
	return out
}
