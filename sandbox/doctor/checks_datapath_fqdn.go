package doctor

import (
	"fmt"
	"strings"

	"github.com/cilium/cilium/api/v1/models"
	"github.com/cilium/cilium/pkg/fqdn/dns"
	"github.com/cilium/cilium/pkg/fqdn/matchpattern"
	"github.com/cilium/cilium/pkg/policy/api"
	corev1 "k8s.io/api/core/v1"
)

func checkFQDNLearned(e *env) Finding { return e.eachTarget(e.fqdnLearned) }

// selectorMatches reports whether a toFQDNs selector matches a DNS name as
// the agent matches it (matchName exactly, matchPattern through Cilium's
// own pattern compiler).
func selectorMatches(s api.FQDNSelector, name string) bool {
	name = dns.FQDN(name)
	if s.MatchName != "" {
		return dns.FQDN(s.MatchName) == name
	}
	re, err := matchpattern.ValidateWithoutCache(matchpattern.Sanitize(s.MatchPattern))
	return err == nil && re.MatchString(name)
}

// readFQDNInputs returns the endpoint's DNS cache entries and the agent's
// selector cache; the string is why they cannot be read.
func (e *env) readFQDNInputs(t datapathTarget) ([]*models.DNSLookup, map[string][]int64, string) {
	out, why := e.output(t, cmdFQDNCache())
	if why != "" {
		return nil, nil, why
	}
	lookups, err := parseDNSLookups(out)
	if err != nil {
		return nil, nil, e.unreadable(t, cmdFQDNCache(), out, err)
	}
	selOut, why := e.output(t, cmdPolicySelectors())
	if why != "" {
		return nil, nil, why
	}
	cache, err := parseSelectors(selOut)
	if err != nil {
		return nil, nil, e.unreadable(t, cmdPolicySelectors(), selOut, err)
	}
	var own []*models.DNSLookup
	for _, l := range lookups {
		if l != nil && l.EndpointID == t.EndpointID {
			own = append(own, l)
		}
	}
	return own, cache, ""
}

func (e *env) fqdnLearned(t datapathTarget) Finding {
	own, cache, why := e.readFQDNInputs(t)
	if why != "" {
		return unread(why)
	}
	var ok []string
	var p problems
	learnedAny, used := false, false
	for _, tp := range e.tlsPortsOf(t) {
		ids := fqdnIdentities(tp.Egress, cache)
		for _, s := range tp.Egress.ToFQDNs {
			used = true
			learned := learnedBy(s, own)
			if len(learned) == 0 {
				continue
			}
			learnedAny = true
			if len(ids[s.String()]) == 0 {
				p.add(fmt.Sprintf("the selector cache has not caught up with the DNS cache: make the agent recompute the policy (%s) and read its log for FQDN or identity allocation errors", e.agentExec(t, fmt.Sprintf("endpoint regenerate %d", t.EndpointID))),
					"the DNS proxy learned %s for endpoint %d (%s), but the agent's selector %q selects no identity: the policy does not allow those addresses, so they are dropped rather than redirected",
					strings.Join(learned, ", "), t.EndpointID, t, s.String())
				continue
			}
			ok = append(ok, fmt.Sprintf("%s: toFQDNs %q learned %s; the selector selects identities %s", tp.Policy, s.MatchName+s.MatchPattern, strings.Join(learned, ", "), idList(ids[s.String()])))
		}
	}
	switch {
	case !used:
		return pass("the TLS rules use no toFQDNs: nothing to learn")
	case !learnedAny:
		return e.nothingLearned(t, own)
	}
	return p.finding(fmt.Sprintf("the DNS proxy learned the intercepted names endpoint %d (%s) asked for, and the policy selects their identities", t.EndpointID, t), dedupeKeepOrder(ok)...)
}

// learnedBy returns "name (ips)" for each of the endpoint's lookups s matches.
func learnedBy(s api.FQDNSelector, lookups []*models.DNSLookup) []string {
	var out []string
	for _, l := range lookups {
		if selectorMatches(s, l.Fqdn) {
			out = append(out, fmt.Sprintf("%s (%s)", strings.TrimSuffix(l.Fqdn, "."), strings.Join(l.Ips, ", ")))
		}
	}
	return dedupeKeepOrder(out)
}

// nothingLearned judges an endpoint whose DNS cache holds no intercepted
// name: a failure when the pod's spec sends its lookups elsewhere or
// Hubble saw it connect, a warning when it may simply not have asked yet.
func (e *env) nothingLearned(t datapathTarget, own []*models.DNSLookup) Finding {
	var others []string
	for _, l := range own {
		others = append(others, strings.TrimSuffix(l.Fqdn, "."))
	}
	ev := []string{fmt.Sprintf("DNS cache of endpoint %d: %s", t.EndpointID, orNone(dedupeKeepOrder(others)))}
	bypass := e.dnsBypass(t)
	connected := e.connectedTo(t)
	if bypass == "" && len(connected) == 0 {
		return warn(fmt.Sprintf("the DNS proxy has learned no intercepted name for endpoint %d (%s) yet: the workload has not asked for one, or its DNS does not go through Cilium's DNS proxy", t.EndpointID, t),
			fmt.Sprintf("make a request from the workload (kubectl -n %s exec %s -- curl -sI https://<intercepted name>) and run the doctor again", t.Pod.Namespace, t.Pod.Name), ev...)
	}
	reason := fmt.Sprintf("the DNS proxy has learned no intercepted name for endpoint %d (%s)", t.EndpointID, t)
	if len(connected) > 0 {
		reason += fmt.Sprintf(" although Hubble saw it connect to %s", strings.Join(connected, ", "))
		ev = append(ev, "connected to "+strings.Join(connected, ", "))
	}
	if bypass != "" {
		return fail(reason+": "+bypass+", so its lookups never reach Cilium's DNS proxy and the addresses get no FQDN identity",
			"let the workload resolve the intercepted names through kube-dns: remove them from hostAliases and /etc/hosts, and keep dnsPolicy ClusterFirst", ev...)
	}
	return fail(reason+": its DNS did not go through Cilium's DNS proxy (a resolver outside kube-dns, DNS over HTTPS, a name in /etc/hosts), so the addresses get no FQDN identity",
		"make the workload resolve through kube-dns (dnsPolicy ClusterFirst, no hostAliases, no resolver of its own), with the DNS rule's port 53 toPorts rules.dns applying to it", ev...)
}

// dnsBypass says how the pod's spec keeps lookups of the intercepted names
// away from kube-dns, or "".
func (e *env) dnsBypass(t datapathTarget) string {
	pod := t.Pod
	for _, h := range pod.Spec.HostAliases {
		for _, n := range h.Hostnames {
			for _, tp := range e.tlsPortsOf(t) {
				for _, s := range tp.Egress.ToFQDNs {
					if selectorMatches(s, n) {
						return fmt.Sprintf("pod %s/%s maps %s to %s in hostAliases", pod.Namespace, pod.Name, n, h.IP)
					}
				}
			}
		}
	}
	if pod.Spec.DNSPolicy == corev1.DNSNone || pod.Spec.DNSPolicy == corev1.DNSDefault {
		ns := "the node's resolver"
		if pod.Spec.DNSConfig != nil && len(pod.Spec.DNSConfig.Nameservers) > 0 {
			ns = strings.Join(pod.Spec.DNSConfig.Nameservers, ", ")
		}
		return fmt.Sprintf("pod %s/%s has dnsPolicy %s and asks %s instead of kube-dns", pod.Namespace, pod.Name, pod.Spec.DNSPolicy, ns)
	}
	return ""
}

// connectedTo lists the addresses Hubble saw the pod connect to on its TLS
// ports, newest first.
func (e *env) connectedTo(t datapathTarget) []string {
	var out []string
	for _, f := range e.flowsOf(t) {
		if ip := f.GetIP().GetDestination(); ip != "" && f.GetTrafficDirection().String() == "EGRESS" {
			out = append(out, fmt.Sprintf("%s:%d", ip, f.GetL4().GetTCP().GetDestinationPort()))
		}
	}
	return dedupeKeepOrder(out)
}
