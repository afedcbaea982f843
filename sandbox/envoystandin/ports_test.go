package envoystandin

import (
	"reflect"
	"strings"
	"testing"

	cilium "github.com/cilium/proxy/go/cilium/api"
	envoycore "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
)

func named(name string, precedence uint32, deny bool) *cilium.PortNetworkPolicyRule {
	r := &cilium.PortNetworkPolicyRule{Name: name, Precedence: precedence}
	if deny {
		r.Verdict = &cilium.PortNetworkPolicyRule_Deny{Deny: true}
	}
	return r
}

func entry(port, end uint32, rules ...*cilium.PortNetworkPolicyRule) *cilium.PortNetworkPolicy {
	return &cilium.PortNetworkPolicy{Port: port, EndPort: end, Protocol: envoycore.SocketAddress_TCP, Rules: rules}
}

// TestEgressPortRulesOrder checks the order the proxy walks a port's rules
// in (PortNetworkPolicy's constructor): exact entries prepended rule by
// rule, ranges appended, wildcard-port rules last, then a stable sort by
// precedence and deny before allow.
func TestEgressPortRulesOrder(t *testing.T) {
	tests := []struct {
		name    string
		entries []*cilium.PortNetworkPolicy
		port    uint16
		want    []string // rule names; "default" is the proxy's default allow rule
	}{
		{"one exact entry is reversed", []*cilium.PortNetworkPolicy{entry(443, 0, named("a", 0, false), named("b", 0, false), named("c", 0, false))},
			443, []string{"c", "b", "a"}},
		{"a later exact entry goes first", []*cilium.PortNetworkPolicy{entry(443, 0, named("a", 0, false)), entry(443, 443, named("b", 0, false))},
			443, []string{"b", "a"}},
		{"ranges are appended in order", []*cilium.PortNetworkPolicy{entry(400, 500, named("r1", 0, false), named("r2", 0, false)), entry(443, 0, named("x", 0, false))},
			443, []string{"x", "r1", "r2"}},
		{"wildcard port last", []*cilium.PortNetworkPolicy{entry(0, 0, named("w", 0, false)), entry(443, 0, named("x", 0, false))},
			443, []string{"x", "w"}},
		{"only the wildcard port", []*cilium.PortNetworkPolicy{entry(0, 0, named("w", 0, false)), entry(80, 0, named("x", 0, false))},
			443, []string{"w"}},
		{"empty rules merged with rules add a default allow", []*cilium.PortNetworkPolicy{entry(443, 0, named("a", 0, false)), entry(443, 0)},
			443, []string{"default", "a"}},
		{"precedence, then deny first", []*cilium.PortNetworkPolicy{entry(443, 0, named("low", 0, false), named("deny", 5, true), named("high", 5, false))},
			443, []string{"deny", "high", "low"}},
		{"no entry for the port", []*cilium.PortNetworkPolicy{entry(80, 0, named("x", 0, false))}, 443, nil},
		{"UDP is skipped", []*cilium.PortNetworkPolicy{{Port: 443, Protocol: envoycore.SocketAddress_UDP, Rules: []*cilium.PortNetworkPolicyRule{named("u", 0, false)}}},
			443, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := egressPortRules(&cilium.NetworkPolicy{EgressPerPortPolicies: tt.entries}, tt.port)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			if l != nil {
				got = []string{}
				for _, r := range l.Rules {
					n := r.Proto.GetName()
					if r.Proto == nil {
						n = "default"
					}
					got = append(got, n)
				}
			}
			if tt.want == nil && l != nil || tt.want != nil && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("rules = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestRejectedNPDS checks what makes the proxy reject an NPDS update.
func TestRejectedNPDS(t *testing.T) {
	tests := []struct {
		name  string
		entry *cilium.PortNetworkPolicy
		want  string
	}{
		{"end below start", entry(443, 80), "end port is less than start port"},
		{"wildcard in a range", entry(0, 80), "wildcard zero port"},
		{"downstream without chain", entry(443, 0, &cilium.PortNetworkPolicyRule{DownstreamTlsContext: &cilium.TLSContext{}}), "missing certificate chain"},
		{"upstream without CA", entry(443, 0, &cilium.PortNetworkPolicyRule{UpstreamTlsContext: &cilium.TLSContext{}}), "missing trusted CA"},
		{"bad server name", entry(443, 0, &cilium.PortNetworkPolicyRule{ServerNames: []string{"a..b"}}), "Unsupported match pattern a..b"},
		{"pass above precedence", entry(443, 0, &cilium.PortNetworkPolicyRule{Verdict: &cilium.PortNetworkPolicyRule_PassPrecedence{PassPrecedence: 3}}), "must be lower than precedence"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &StandIn{NPDS: &cilium.NetworkPolicy{EgressPerPortPolicies: []*cilium.PortNetworkPolicy{tt.entry}}, IPCache: IPCache{}}
			_, err := s.Decide(conn("10.0.0.1", ""))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Decide error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestSNIPattern checks SniPattern's matching (cilium/network_policy.h's
// examples).
func TestSNIPattern(t *testing.T) {
	tests := []struct {
		pattern string
		match   []string
		nomatch []string
	}{
		{"api.github.com", []string{"api.github.com", "API.GitHub.com"}, []string{"github.com", "x.api.github.com"}},
		{"*.cilium.io", []string{"www.cilium.io", "blog.cilium.io"}, []string{"cilium.io", "foo.bar.cilium.io", "kubernetes.io"}},
		{"*cilium.io", []string{"cilium.io", "sub-cilium.io"}, []string{"www.cilium.io"}},
		{"sub*.cilium.io", []string{"sub.cilium.io", "subdomain.cilium.io"}, []string{"www.cilium.io", "blog.sub.cilium.io"}},
		{"**.cilium.io", []string{"www.cilium.io", "test.app.cilium.io"}, []string{"cilium.io"}},
		{"*", []string{"example.com", "a"}, []string{""}},
	}
	for _, tt := range tests {
		p, err := newSNIPattern(tt.pattern)
		if err != nil {
			t.Fatalf("%s: %v", tt.pattern, err)
		}
		for _, n := range tt.match {
			if !p.matches(n) {
				t.Errorf("%s does not match %s", tt.pattern, n)
			}
		}
		for _, n := range tt.nomatch {
			if p.matches(n) {
				t.Errorf("%s matches %s", tt.pattern, n)
			}
		}
	}
}
