//go:build linux

package scenarios

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	cilium "github.com/cilium/proxy/go/cilium/api"
	envoycore "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"

	"github.com/cilium/cilium/pkg/identity"
	"github.com/cilium/cilium/pkg/policy/api"

	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/agent"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/upstream"
)

// TestFQDNIdentitySelects checks that the stand-in identities select names
// as Cilium's DNS proxy matches them: matchName exactly, "*." one label.
func TestFQDNIdentitySelects(t *testing.T) {
	ids := agent.FQDNIdentities([]api.FQDNSelector{
		{MatchName: "github.com"}, {MatchPattern: "*.github.com"}, {MatchName: "github.com"},
	})
	if len(ids) != 2 {
		t.Fatalf("FQDNIdentities made %d identities for 2 distinct selectors", len(ids))
	}
	tests := []struct {
		host string
		want []int // indexes into ids
	}{
		{"github.com", []int{0}},
		{"API.GitHub.com", []int{1}},
		{"a.b.github.com", nil},
		{"notgithub.com", nil},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			got, err := agent.IdentitiesOf(ids, tt.host)
			if err != nil {
				t.Fatal(err)
			}
			var want []identity.NumericIdentity
			for _, i := range tt.want {
				want = append(want, ids[i].Identity.ID)
			}
			if !slices.Equal(got, want) {
				t.Errorf("IdentitiesOf(%s) = %v, want %v", tt.host, got, want)
			}
		})
	}
}

// TestEnvoyStandInRule checks the stand-in's rule choice: by the
// destination's identity among a rule's remote policies, on the port.
func TestEnvoyStandInRule(t *testing.T) {
	ids := agent.FQDNIdentities([]api.FQDNSelector{{MatchName: "a.example"}, {MatchName: "b.example"}, {MatchName: "c.example"}})
	rule := func(id int, sds string) *cilium.PortNetworkPolicyRule {
		return &cilium.PortNetworkPolicyRule{RemotePolicies: []uint32{uint32(ids[id].Identity.ID)},
			DownstreamTlsContext: &cilium.TLSContext{TlsSdsSecret: sds}}
	}
	e := &agent.EnvoyStandIn{FQDN: ids, NPDS: &cilium.NetworkPolicy{EgressPerPortPolicies: []*cilium.PortNetworkPolicy{
		{Port: 443, Protocol: envoycore.SocketAddress_TCP, Rules: []*cilium.PortNetworkPolicyRule{rule(0, "ns/a"), rule(1, "ns/b")}},
		{Port: 8443, Protocol: envoycore.SocketAddress_TCP, Rules: []*cilium.PortNetworkPolicyRule{rule(2, "ns/c")}},
	}}}
	tests := []struct {
		host    string
		port    uint32
		wantSDS string
		wantErr string
	}{
		{"a.example", 443, "ns/a", ""},
		{"b.example", 443, "ns/b", ""},
		{"c.example", 443, "", "no NPDS rule on 443/TCP"},
		{"d.example", 443, "", "no toFQDNs selector selects it"},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			r, err := e.Rule(tt.host, tt.port)
			switch {
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("Rule(%s) err = %v, want %q", tt.host, err, tt.wantErr)
			case tt.wantErr == "" && err != nil:
				t.Errorf("Rule(%s): %v", tt.host, err)
			case tt.wantErr == "" && r.GetDownstreamTlsContext().GetTlsSdsSecret() != tt.wantSDS:
				t.Errorf("Rule(%s) names %s, want %s", tt.host, r.GetDownstreamTlsContext().GetTlsSdsSecret(), tt.wantSDS)
			}
		})
	}
}

// TestHandshake checks the in-memory handshake: a chain the client trusts
// for the name passes; another name, or other roots, fail with x509's reason.
func TestHandshake(t *testing.T) {
	certs, err := upstream.NewCerts([]string{"a.example"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(certs.CAPEM)
	other, err := upstream.NewCerts([]string{"a.example"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	otherRoots := x509.NewCertPool()
	otherRoots.AppendCertsFromPEM(other.CAPEM)
	tests := []struct {
		name   string
		client *tls.Config
		want   error
	}{
		{"trusted", &tls.Config{RootCAs: roots, ServerName: "a.example"}, nil},
		{"other name", &tls.Config{RootCAs: roots, ServerName: "b.example"}, x509.HostnameError{}},
		{"other roots", &tls.Config{RootCAs: otherRoots, ServerName: "a.example"}, x509.UnknownAuthorityError{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err := agent.Handshake(ctx, serverOf(t, certs), tt.client)
			switch tt.want.(type) {
			case nil:
				if err != nil {
					t.Errorf("handshake: %v", err)
				}
			case x509.HostnameError:
				if !errors.As(err, new(x509.HostnameError)) {
					t.Errorf("handshake err = %v, want x509.HostnameError", err)
				}
			case x509.UnknownAuthorityError:
				if !errors.As(err, new(x509.UnknownAuthorityError)) {
					t.Errorf("handshake err = %v, want x509.UnknownAuthorityError", err)
				}
			}
		})
	}
}
