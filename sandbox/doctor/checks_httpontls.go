package doctor

import (
	"fmt"
	"slices"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
)

// checkHTTPOnTLS fails when a policy in scope has rules.http on a port
// whose traffic is TLS but no terminatingTLS: Envoy then parses every
// ClientHello as HTTP and each request fails (ciliumtls.HTTPOnTLS).
// Cilium's Sanitize accepts such a policy unless it has serverNames
// (policies-accepted reports those), so nothing else says why.
func checkHTTPOnTLS(e *env) Finding {
	if r := e.st.missing(KindPolicy); r != "" && e.st.missing(KindClusterPolicy) != "" {
		return skip(r)
	}
	rules := inScope(e, e.st.rules(), func(r policyRule) string { return r.Namespace })
	if len(rules) == 0 {
		return skip(fmt.Sprintf("no CiliumNetworkPolicy in %q and no CiliumClusterwideNetworkPolicy to read", e.scope.WorkloadNamespace))
	}
	p := problems{}
	read := 0
	for _, r := range rules {
		for i, eg := range r.Rule.Egress {
			for j := range eg.ToPorts {
				read++
				pr := &eg.ToPorts[j]
				ports := ciliumtls.HTTPOnTLS(pr)
				if len(ports) == 0 || !ciliumtls.SanitizeAcceptsHTTPOnTLS(pr) {
					continue
				}
				p.add(ciliumtls.HTTPOnTLSFix, "%s egress[%d].toPorts[%d]: %s", r.Name, i, j, ciliumtls.HTTPOnTLSReason(ports))
			}
		}
	}
	var names []string
	for _, r := range rules {
		names = append(names, "read "+r.Name)
	}
	slices.Sort(names)
	return p.finding(fmt.Sprintf("no rules.http on a TLS port without terminatingTLS (%d toPorts entries of %d rules read)", read, len(rules)), slices.Compact(names)...)
}
