package ciliumtls

import (
	"strings"
	"testing"

	"github.com/cilium/cilium/pkg/policy/api"
)

// TestHTTPOnTLSAgainstCiliumSanitize runs each entry through Cilium's own
// api.Rule.Sanitize (the go.mod release, 1.20.2) and checks that
// SanitizeAcceptsHTTPOnTLS says what it decides, and HTTPOnTLS which
// entries Envoy would parse as HTTP while their traffic is TLS.
func TestHTTPOnTLSAgainstCiliumSanitize(t *testing.T) {
	secret := &api.TLSContext{Secret: &api.Secret{Namespace: "cert-manager", Name: "github-tls"}}
	http := &api.L7Rules{HTTP: []api.PortRuleHTTP{{Method: "GET", Path: "/meta"}}}
	port := func(p string, proto api.L4Proto) []api.PortProtocol {
		return []api.PortProtocol{{Port: p, Protocol: proto}}
	}
	cases := []struct {
		name     string
		pr       api.PortRule
		ports    string // HTTPOnTLS, joined
		accepted bool   // by Cilium's Sanitize
	}{
		{"http on 443, originating only (cilium/cilium#32567)", api.PortRule{Ports: port("443", api.ProtoTCP), OriginatingTLS: secret, Rules: http}, "443/TCP", true},
		{"http on 443, nothing else", api.PortRule{Ports: port("443", api.ProtoTCP), Rules: http}, "443/TCP", true},
		{"http on 443 with protocol ANY: Sanitize refuses L7 on ANY", api.PortRule{Ports: port("443", api.ProtoAny), Rules: http}, "", false},
		{"http on the named port https", api.PortRule{Ports: port("https", api.ProtoTCP), Rules: http}, "https/TCP", true},
		{"http on 8443", api.PortRule{Ports: port("8443", api.ProtoTCP), Rules: http}, "8443/TCP", true},
		{"http on 443 with serverNames: Sanitize refuses", api.PortRule{Ports: port("443", api.ProtoTCP), ServerNames: []api.ServerName{"api.github.com"}, Rules: http}, "443/TCP", false},
		{"intercepted: terminatingTLS", api.PortRule{Ports: port("443", api.ProtoTCP), TerminatingTLS: secret, OriginatingTLS: secret, Rules: http}, "", true},
		{"plain http on 80", api.PortRule{Ports: port("80", api.ProtoTCP), Rules: http}, "", true},
		{"443 without L7 rules", api.PortRule{Ports: port("443", api.ProtoTCP)}, "", true},
		{"443 over UDP: Sanitize refuses L7 on UDP", api.PortRule{Ports: port("443", api.ProtoUDP), Rules: http}, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rule := api.Rule{
				EndpointSelector: api.NewESFromMatchRequirements(map[string]string{"app": "runner"}, nil),
				Egress: []api.EgressRule{{EgressCommonRule: api.EgressCommonRule{ToCIDR: api.CIDRSlice{"140.82.112.0/20"}},
					ToPorts: api.PortRules{c.pr}}},
			}
			err := rule.Sanitize()
			if accepted := err == nil; accepted != c.accepted {
				t.Fatalf("Cilium's Sanitize: %v, want accepted %v", err, c.accepted)
			}
			if got := strings.Join(HTTPOnTLS(&c.pr), ", "); got != c.ports {
				t.Errorf("HTTPOnTLS = %q, want %q", got, c.ports)
			}
			if c.ports != "" && SanitizeAcceptsHTTPOnTLS(&c.pr) != (err == nil) {
				t.Errorf("SanitizeAcceptsHTTPOnTLS = %v, Cilium's Sanitize says %v", SanitizeAcceptsHTTPOnTLS(&c.pr), err)
			}
		})
	}
}
