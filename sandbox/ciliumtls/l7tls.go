package ciliumtls

import (
	"fmt"
	"slices"
	"strings"

	"github.com/cilium/cilium/pkg/policy/api"
)

// tlsPorts are the ports whose traffic is TLS unless a policy terminates
// it: HTTPS's, by number or by name.
func tlsPorts() []string { return []string{"443", "8443", "https"} }

// CarriesTLS reports whether a toPorts port is one whose traffic is TLS
// (tlsPorts) over TCP: its clients start with a TLS ClientHello. L7 rules on
// another protocol (ANY included) are Sanitize's to refuse.
func CarriesTLS(pp api.PortProtocol) bool {
	return slices.Contains(tlsPorts(), strings.ToLower(pp.Port)) && pp.Protocol == api.ProtoTCP
}

// HTTPOnTLS returns the TLS ports (CarriesTLS) of a toPorts entry whose
// rules.http make Envoy parse their traffic as HTTP while no terminatingTLS
// decrypts it: an http list selects Envoy's HTTP parser (pkg/policy/l4.go,
// L7ParserType "http"), and without a terminating context Cilium's TLS
// wrapper hands Envoy the raw bytes, so its HTTP codec reads the client's
// ClientHello, answers 400 in plain text, and every request fails (curl:
// "wrong version number", cilium/cilium#32567). An originatingTLS alone
// does not help: it encrypts towards the server, after the HTTP parser.
// nil when the entry is not such a port.
func HTTPOnTLS(pr *api.PortRule) []string {
	if pr.TerminatingTLS != nil || pr.Rules == nil || len(pr.Rules.HTTP) == 0 {
		return nil
	}
	var out []string
	for _, pp := range pr.Ports {
		if CarriesTLS(pp) {
			out = append(out, pp.Port+"/"+string(pp.Protocol))
		}
	}
	return out
}

// SanitizeAcceptsHTTPOnTLS reports whether Cilium's own Sanitize accepts a
// toPorts entry that HTTPOnTLS flags: it refuses L7 rules without
// terminatingTLS only when the entry also has serverNames
// (pkg/policy/api/rule_validation.go PortRule.sanitize: "ServerNames are
// not allowed with L7 rules without TLS termination", in every release
// 1.16 to 1.20), so without serverNames the API server and the agent take
// the policy and nothing but the failing requests says so.
func SanitizeAcceptsHTTPOnTLS(pr *api.PortRule) bool { return len(pr.ServerNames) == 0 }

// HTTPOnTLSReason says why rules.http on TLS ports without terminatingTLS
// fails, for lint and the doctor.
func HTTPOnTLSReason(ports []string) string {
	return fmt.Sprintf("rules.http on %s, whose traffic is TLS, without terminatingTLS: Envoy parses the client's TLS ClientHello as HTTP and answers 400 in plain text, so every request fails (curl: \"wrong version number\"; cilium/cilium#32567). Cilium's own Sanitize accepts this (it refuses L7 rules without terminatingTLS only next to serverNames), so the policy applies cleanly",
		strings.Join(ports, ", "))
}

// HTTPOnTLSFix is the fix of HTTPOnTLSReason.
const HTTPOnTLSFix = "to inspect the requests, add terminatingTLS (with originatingTLS to the real server) to the entry, as the cilium-tls-intercept chart does; to allow the TLS traffic without inspecting it, drop rules.http (serverNames alone still restrict it by SNI)"
