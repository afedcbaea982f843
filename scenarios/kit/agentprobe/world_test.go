package agentprobe

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/netip"
	"regexp"
	"slices"
	"testing"
	"time"

	cilium "github.com/cilium/proxy/go/cilium/api"
	envoycore "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	matcher "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"

	"github.com/cilium-tls-intercept/sandbox/sandbox/dnsanswer"
	"github.com/cilium-tls-intercept/sandbox/sandbox/envoystandin"
)

// group is one policy of the fake world: names (as a regexp standing in
// for toFQDNs) and, for an intercept group, its secret and HTTP rules.
type group struct {
	names  *regexp.Regexp
	secret string // "" passes through
	http   []*cilium.HttpNetworkPolicyRule
}

// fakeWorld stands in for the agent tier in these tests: it gives each
// answered address one identity whose selectors are every group with a name
// resolving to it (as Cilium's IP cache does), and writes NPDS rules in the
// order Cilium's sort puts them: L3/L4 allows, then groups by HTTP rules.
type fakeWorld struct {
	groups  []group
	secrets envoystandin.Secrets
}

func (w *fakeWorld) View(_ context.Context, answers dnsanswer.Answers) (*View, error) {
	ipc := envoystandin.IPCache{}
	remotes := make([][]uint32, len(w.groups))
	next := uint32(16777217)
	byAddr := map[string]uint32{}
	for _, n := range answers.Names() {
		for _, a := range answers.Addrs(n) {
			id, ok := byAddr[a.String()]
			if !ok {
				id, next = next, next+1
				byAddr[a.String()] = id
				ipc.Add(a, id)
			}
			for gi, g := range w.groups {
				if g.names.MatchString(n) && !contains(remotes[gi], id) {
					remotes[gi] = append(remotes[gi], id)
				}
			}
		}
	}
	var l4, l7 []*cilium.PortNetworkPolicyRule
	for gi, g := range w.groups {
		if len(remotes[gi]) == 0 {
			continue
		}
		if g.secret == "" {
			l4 = append(l4, &cilium.PortNetworkPolicyRule{RemotePolicies: remotes[gi]})
			continue
		}
		l7 = append(l7, &cilium.PortNetworkPolicyRule{RemotePolicies: remotes[gi],
			DownstreamTlsContext: &cilium.TLSContext{TlsSdsSecret: g.secret},
			UpstreamTlsContext:   &cilium.TLSContext{ValidationContextSdsSecret: "upstream-ca"},
			L7:                   &cilium.PortNetworkPolicyRule_HttpRules{HttpRules: &cilium.HttpNetworkPolicyRules{HttpRules: g.http}}})
	}
	// sort.go: fewer HTTP header matchers first (all here have one HTTP rule).
	slices.SortStableFunc(l7, func(a, b *cilium.PortNetworkPolicyRule) int {
		return len(a.GetHttpRules().GetHttpRules()[0].GetHeaders()) - len(b.GetHttpRules().GetHttpRules()[0].GetHeaders())
	})
	np := &cilium.NetworkPolicy{}
	if rules := append(l4, l7...); len(rules) > 0 {
		np.EgressPerPortPolicies = []*cilium.PortNetworkPolicy{{Port: 443, Protocol: envoycore.SocketAddress_TCP, Rules: rules}}
	}
	return &View{Envoy: &envoystandin.StandIn{NPDS: np, Secrets: w.secrets, IPCache: ipc}, Egress: EgressFromNPDS(np)}, nil
}

func contains(s []uint32, v uint32) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func getMetaOnly() []*cilium.HttpNetworkPolicyRule {
	re := func(name, v string) *route.HeaderMatcher {
		return &route.HeaderMatcher{Name: name, HeaderMatchSpecifier: &route.HeaderMatcher_StringMatch{StringMatch: &matcher.StringMatcher{
			MatchPattern: &matcher.StringMatcher_SafeRegex{SafeRegex: &matcher.RegexMatcher{Regex: v}}}}}
	}
	return []*cilium.HttpNetworkPolicyRule{{Headers: []*route.HeaderMatcher{re(":method", "GET"), re(":path", "/meta")}}}
}

// testCA makes a CA and leaves in the test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newTestCA(t *testing.T, cn string) *testCA {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn}, IsCA: true, BasicConstraintsValid: true,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &testCA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

func (ca *testCA) leaf(t *testing.T, names ...string) ([]byte, []byte) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: names[0]}, DNSNames: names,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	return append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), ca.pem...), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})
}

func inline(b []byte) *envoycore.DataSource {
	return &envoycore.DataSource{Specifier: &envoycore.DataSource_InlineBytes{InlineBytes: b}}
}

func tlsSecret(chain, key []byte) *tlsv3.Secret {
	return &tlsv3.Secret{Type: &tlsv3.Secret_TlsCertificate{TlsCertificate: &tlsv3.TlsCertificate{CertificateChain: inline(chain), PrivateKey: inline(key)}}}
}

func caSecret(ca []byte) *tlsv3.Secret {
	return &tlsv3.Secret{Type: &tlsv3.Secret_ValidationContext{ValidationContext: &tlsv3.CertificateValidationContext{TrustedCa: inline(ca)}}}
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }
