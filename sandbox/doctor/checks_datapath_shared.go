package doctor

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/cilium/cilium/pkg/policy/api"

	"github.com/cilium-tls-intercept/sandbox/sandbox/dnsanswer"
	"github.com/cilium-tls-intercept/sandbox/sandbox/sharedaddr"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

func checkSharedAddress(e *env) Finding { return e.eachTarget(e.sharedAddress) }

// sharedAddress reads the endpoint's DNS cache as the answers its names got
// and runs the shared-address check over the policies selecting the pod:
// names of different groups, or an intercepted and another name, on one
// address get one identity, and Envoy chooses among all their rules.
func (e *env) sharedAddress(t datapathTarget) Finding {
	out, why := e.output(t, cmdFQDNCache())
	if why != "" {
		return unread(why)
	}
	lookups, err := parseDNSLookups(out)
	if err != nil {
		return unread(e.unreadable(t, cmdFQDNCache(), out, err))
	}
	answers := dnsanswer.Answers{}
	for _, l := range lookups {
		if l == nil || l.EndpointID != t.EndpointID {
			continue
		}
		for _, ip := range l.Ips {
			if a, err := netip.ParseAddr(ip); err == nil {
				_ = answers.Add(l.Fqdn, a, uint32(max(l.TTL, 0))) // a name the DNS proxy let through
			}
		}
	}
	var uses []sharedaddr.Use
	for _, r := range inScope(e, e.st.rules(), func(r policyRule) string { return r.Namespace }) {
		if ok, _ := selects(r.Rule.EndpointSelector, t.Pod); ok {
			uses = append(uses, sharedaddr.UsesOf(r.Name, r.Namespace, api.Rules{r.Rule})...)
		}
	}
	conflicts, err := sharedaddr.Find(uses, answers)
	if err != nil {
		return skip(fmt.Sprintf("the shared-address check could not judge endpoint %d: %v", t.EndpointID, err))
	}
	ev := []string{fmt.Sprintf("DNS cache of endpoint %d (%s): %d names; addresses shared by several names: %d", t.EndpointID, cmdFQDNCache(), len(answers), len(answers.SharedAddrs()))}
	for _, s := range answers.SharedAddrs() {
		ev = append(ev, fmt.Sprintf("%s: %s", s.Addr, strings.Join(s.Names, ", ")))
	}
	if len(conflicts) == 0 {
		return pass(fmt.Sprintf("no two names of different groups, nor an intercepted and another name, share an address in endpoint %d's DNS cache", t.EndpointID), ev...)
	}
	v := e.releaseOrDefault()
	for _, c := range conflicts[1:] {
		ev = append(ev, c.Message())
	}
	return fail(conflicts[0].Message(), conflicts[0].Fix(v), ev...)
}

// releaseOrDefault is the running release, or the default one when the
// agent's image names none (the fix then says which it assumed).
func (e *env) releaseOrDefault() versions.Cilium {
	if e.version != nil {
		return *e.version
	}
	return versions.Cilium{}.OrDefault()
}
