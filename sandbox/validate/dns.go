package validate

import (
	"fmt"
	"strings"

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

// dnsRules returns the rules.dns entries of a policy's egress port 53 rules.
func dnsRules(p policy) []api.PortRuleDNS {
	var out []api.PortRuleDNS
	for _, r := range p.rules {
		for _, e := range r.Egress {
			for _, pr := range e.ToPorts {
				if pr.Rules == nil || len(pr.Rules.DNS) == 0 {
					continue
				}
				for _, port := range pr.Ports {
					if port.Port == "53" || port.Port == "domain" {
						out = append(out, pr.Rules.DNS...)
						break
					}
				}
			}
		}
	}
	return out
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
		for _, q := range inv.policies {
			if inv.selectsWorkload(q, w) {
				allowed = append(allowed, dnsRules(q)...)
			}
		}
		out = append(out, dnsCoverage(p, w.id, fqdns, allowed)...)
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
		for _, q := range inv.policies {
			if q.namespace == p.namespace && selectorString(q) == selectorString(p) {
				allowed = append(allowed, dnsRules(q)...)
			}
		}
		out = append(out, dnsCoverage(p, "the pods of endpointSelector "+selectorString(p), fqdns, allowed)...)
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

func dnsCoverage(p policy, who string, fqdns []api.FQDNSelector, allowed []api.PortRuleDNS) []Problem {
	if len(allowed) == 0 {
		return []Problem{{p.id, CheckDNSRule, fmt.Sprintf(
			"toFQDNs is used but no policy selecting %s allows DNS on port 53 with rules.dns; the DNS proxy never learns the addresses and the traffic is dropped", who)}}
	}
	var out []Problem
	for _, f := range fqdns {
		name := sampleName(f)
		if !dnsAllows(allowed, name) {
			out = append(out, Problem{p.id, CheckDNSRule, fmt.Sprintf(
				"no rules.dns of the policies selecting %s allows looking up %q (toFQDNs %s)", who, name, f.String())})
		}
	}
	return out
}

// sampleName returns a name the selector matches.
func sampleName(f api.FQDNSelector) string {
	if f.MatchName != "" {
		return normalizeName(f.MatchName)
	}
	s := strings.ReplaceAll(normalizeName(f.MatchPattern), "**.", "a.b.")
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
