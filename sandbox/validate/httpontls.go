package validate

import (
	"fmt"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
)

// CheckHTTPOnTLS: a toPorts entry has rules.http on a port whose traffic is
// TLS but no terminatingTLS, so Envoy parses the ClientHello as HTTP and
// every request fails (ciliumtls.HTTPOnTLS). Cilium's Sanitize accepts it
// unless serverNames are set, which CheckCiliumSanitize reports instead.
const CheckHTTPOnTLS = "http-on-tls"

// httpOnTLSProblems finds the egress entries Envoy parses as HTTP while
// their traffic is TLS.
func (inv *inventory) httpOnTLSProblems() []Problem {
	var out []Problem
	for _, p := range inv.policies {
		for _, r := range p.rules {
			for i, e := range r.Egress {
				for j := range e.ToPorts {
					pr := &e.ToPorts[j]
					ports := ciliumtls.HTTPOnTLS(pr)
					if len(ports) == 0 || !ciliumtls.SanitizeAcceptsHTTPOnTLS(pr) {
						continue
					}
					out = append(out, Problem{Object: p.id, Check: CheckHTTPOnTLS,
						Message: fmt.Sprintf("egress[%d].toPorts[%d]: %s", i, j, ciliumtls.HTTPOnTLSReason(ports)),
						Fix:     ciliumtls.HTTPOnTLSFix})
				}
			}
		}
	}
	return out
}
