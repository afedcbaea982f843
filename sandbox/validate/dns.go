package validate

import (
	"fmt"
	"strings"

	"github.com/cilium-tls-intercept/sandbox/sandbox/dnsname"
	"github.com/cilium/cilium/pkg/policy/api"
)

// fqdnSelectors returns the toFQDNs selectors of a policy's egress rules.
func fqdnSelectors(p policy) []api.FQDNSelector {
	var out []api.FQDNSelector
	for _, r := range p.rules {
		for _, e := range r.Egress {
			out = append(out, e.ToFQDNs...)
		}
	}
	return out
}

// kubeDNS is the cluster DNS service's pods as Cilium labels them.
func kubeDNS() workload {
	return workload{
		id: "kube-dns", namespace: "kube-system",
		labels: map[string]string{"k8s-app": "kube-dns"}, serviceAccount: "coredns",
	}
}

// dnsRules returns the rules.dns entries of a policy's egress port 53
// rules whose peers include kube-dns, and describes those whose peers do not.
func (inv *inventory) dnsRules(p policy) (allowed []api.PortRuleDNS, elsewhere []string) {
	for _, r := range p.rules {
		for i, e := range r.Egress {
			for j, pr := range e.ToPorts {
				if pr.Rules == nil || len(pr.Rules.DNS) == 0 || !hasPort(pr, "53", "domain") {
					continue
				}
				if !inv.reachesKubeDNS(e) {
					elsewhere = append(elsewhere, fmt.Sprintf("%s egress[%d].toPorts[%d]", p.id, i, j))
					continue
				}
				allowed = append(allowed, pr.Rules.DNS...)
			}
		}
	}
	return allowed, elsewhere
}

func hasPort(pr api.PortRule, ports ...string) bool {
	for _, pp := range pr.Ports {
		for _, want := range ports {
			if pp.Port == want {
				return true
			}
		}
	}
	return false
}

// reachesKubeDNS reports whether an egress rule's peers include the kube-dns
// pods: no L3 peer at all, the cluster or all entities, or a toEndpoints
// selector (which Parse limited to the policy's namespace unless it names one)
// that matches them.
func (inv *inventory) reachesKubeDNS(e api.EgressRule) bool {
	for _, ent := range e.ToEntities {
		if ent == api.EntityCluster || ent == api.EntityAll {
			return true
		}
	}
	for _, es := range e.ToEndpoints {
		if inv.selects(es, kubeDNS()) {
			return true
		}
	}
	return len(e.ToEndpoints) == 0 && len(e.ToEntities) == 0 && len(e.ToCIDR) == 0 &&
		len(e.ToCIDRSet) == 0 && len(e.ToServices) == 0 && len(e.ToFQDNs) == 0 && len(e.ToGroups) == 0
}

// dnsProblems checks that every pod a toFQDNs policy selects is also
// selected by a DNS rule that lets it look up those names; without one the
// DNS proxy never learns the IPs and the traffic is dropped.
func (inv *inventory) dnsProblems(p policy, selected []workload) []Problem {
	fqdns := fqdnSelectors(p)
	if len(fqdns) == 0 {
		return nil
	}
	var out []Problem
	for _, w := range selected {
		var allowed []api.PortRuleDNS
		var elsewhere []string
		for _, q := range inv.policies {
			if inv.selectsWorkload(q, w) {
				a, e := inv.dnsRules(q)
				allowed, elsewhere = append(allowed, a...), append(elsewhere, e...)
			}
		}
		out = append(out, dnsCoverage(p, w.id, fqdns, allowed, elsewhere)...)
	}
	return out
}

// dnsProblemsWithoutWorkloads is the check when the objects hold no pods:
// a policy in the same namespace with the same selector must allow DNS.
func (inv *inventory) dnsProblemsWithoutWorkloads() []Problem {
	var out []Problem
	for _, p := range inv.policies {
		fqdns := fqdnSelectors(p)
		if len(fqdns) == 0 {
			continue
		}
		var allowed []api.PortRuleDNS
		var elsewhere []string
		for _, q := range inv.policies {
			if q.namespace == p.namespace && selectorString(q) == selectorString(p) {
				a, e := inv.dnsRules(q)
				allowed, elsewhere = append(allowed, a...), append(elsewhere, e...)
			}
		}
		out = append(out, dnsCoverage(p, "the pods of endpointSelector "+selectorString(p), fqdns, allowed, elsewhere)...)
	}
	return out
}

func (inv *inventory) selectsWorkload(q policy, w workload) bool {
	for _, r := range q.rules {
		if inv.selects(r.EndpointSelector, w) {
			return true
		}
	}
	return false
}

func dnsCoverage(p policy, who string, fqdns []api.FQDNSelector, allowed []api.PortRuleDNS, elsewhere []string) []Problem {
	if len(allowed) == 0 {
		msg := fmt.Sprintf("toFQDNs is used but no policy selecting %s allows DNS to kube-dns on port 53 with rules.dns; the DNS proxy never learns the addresses and the traffic is dropped", who)
		if len(elsewhere) > 0 {
			msg += fmt.Sprintf(" (the DNS rules at %s do not select kube-dns: pods labelled k8s-app=kube-dns in kube-system; a toEndpoints selector without k8s:io.kubernetes.pod.namespace means the policy's own namespace)", strings.Join(elsewhere, ", "))
		}
		return []Problem{{Object: p.id, Check: CheckDNSRule, Message: msg,
			Fix: `in a policy selecting the same pods, allow DNS to kube-dns through the DNS proxy: egress toEndpoints [{matchLabels: {"k8s:io.kubernetes.pod.namespace": kube-system, k8s-app: kube-dns}}] with toPorts [{ports: [{port: "53", protocol: ANY}], rules: {dns: [{matchPattern: "*"}]}}]`}}
	}
	var out []Problem
	for _, f := range fqdns {
		name := sampleName(f)
		if !dnsAllows(allowed, name) {
			out = append(out, Problem{Object: p.id, Check: CheckDNSRule, Message: fmt.Sprintf(
				"no rules.dns of the policies selecting %s allows looking up %q (toFQDNs %s)", who, name, f.String()),
				Fix: fmt.Sprintf("allow %q in rules.dns (matchPattern: \"*\" allows every lookup)", name)})
		}
	}
	return out
}

// sampleName returns a name the selector matches.
func sampleName(f api.FQDNSelector) string {
	if f.MatchName != "" {
		return dnsname.Normalize(f.MatchName)
	}
	s := strings.ReplaceAll(dnsname.Normalize(f.MatchPattern), "**.", "a.b.")
	return strings.ReplaceAll(s, "*", "x")
}

// dnsAllows reports whether a DNS rule allows a lookup of name, matched with
// Cilium's own selector regular expressions.
func dnsAllows(rules []api.PortRuleDNS, name string) bool {
	for _, r := range rules {
		sel := api.FQDNSelector(r)
		re, err := sel.ToRegex()
		if err == nil && re.MatchString(name+".") {
			return true
		}
	}
	return false
}
