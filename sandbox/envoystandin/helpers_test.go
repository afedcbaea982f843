package envoystandin

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/netip"
	"testing"
	"time"

	cilium "github.com/cilium/proxy/go/cilium/api"
	envoycore "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	matcher "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
)

// testCA is a CA made in the test, and leaves it signs.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newTestCA(t *testing.T, cn string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &testCA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// leaf returns the PEM chain and key of a leaf for dnsNames.
func (ca *testCA) leaf(t *testing.T, dnsNames ...string) ([]byte, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: dnsNames[0]},
		DNSNames: dnsNames, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})
}

func inline(b []byte) *envoycore.DataSource {
	return &envoycore.DataSource{Specifier: &envoycore.DataSource_InlineBytes{InlineBytes: b}}
}

func tlsSecret(name string, chain, key []byte) *tlsv3.Secret {
	return &tlsv3.Secret{Name: name, Type: &tlsv3.Secret_TlsCertificate{TlsCertificate: &tlsv3.TlsCertificate{
		CertificateChain: inline(chain), PrivateKey: inline(key)}}}
}

func caSecret(name string, ca []byte) *tlsv3.Secret {
	return &tlsv3.Secret{Name: name, Type: &tlsv3.Secret_ValidationContext{ValidationContext: &tlsv3.CertificateValidationContext{
		TrustedCa: inline(ca)}}}
}

func genericSecret(name, value string) *tlsv3.Secret {
	return &tlsv3.Secret{Name: name, Type: &tlsv3.Secret_GenericSecret{GenericSecret: &tlsv3.GenericSecret{
		Secret: inline([]byte(value))}}}
}

// regexHeader is a header matcher as Cilium's L7 rules translator writes
// one for a path, method or host (pkg/envoy/policy, getHTTPRule).
func regexHeader(name, re string) *route.HeaderMatcher {
	return &route.HeaderMatcher{Name: name, HeaderMatchSpecifier: &route.HeaderMatcher_StringMatch{
		StringMatch: &matcher.StringMatcher{MatchPattern: &matcher.StringMatcher_SafeRegex{
			SafeRegex: &matcher.RegexMatcher{Regex: re}}}}}
}

// groupRule is the NPDS rule Cilium writes for an intercept group under
// SDS: its leaf, the upstream trust, and its HTTP rules ([{}] when none).
func groupRule(group string, remotes []uint32, serverNames []string, http ...*cilium.HttpNetworkPolicyRule) *cilium.PortNetworkPolicyRule {
	if len(http) == 0 {
		http = []*cilium.HttpNetworkPolicyRule{{}}
	}
	return &cilium.PortNetworkPolicyRule{
		RemotePolicies:       remotes,
		ServerNames:          serverNames,
		DownstreamTlsContext: &cilium.TLSContext{TlsSdsSecret: "cilium-secrets/intercept-" + group + "-tls"},
		UpstreamTlsContext:   &cilium.TLSContext{ValidationContextSdsSecret: "cilium-secrets/intercept-upstream-ca"},
		L7:                   &cilium.PortNetworkPolicyRule_HttpRules{HttpRules: &cilium.HttpNetworkPolicyRules{HttpRules: http}},
	}
}

// getMeta is the HTTP rule GET /meta, as Cilium writes it.
func getMeta() *cilium.HttpNetworkPolicyRule {
	return &cilium.HttpNetworkPolicyRule{Headers: []*route.HeaderMatcher{regexHeader(":method", "GET"), regexHeader(":path", "/meta")}}
}

// port443 is an NPDS resource with one TCP 443 entry holding rules.
func port443(rules ...*cilium.PortNetworkPolicyRule) *cilium.NetworkPolicy {
	return &cilium.NetworkPolicy{EndpointId: 1, EgressPerPortPolicies: []*cilium.PortNetworkPolicy{
		{Port: 443, Protocol: envoycore.SocketAddress_TCP, Rules: rules}}}
}

func conn(addr, sni string) Connection {
	return Connection{Remote: netip.AddrPortFrom(netip.MustParseAddr(addr), 443), SNI: sni}
}

// l4Allow is an L3/L4-only allow rule (no TLS, no L7), as Cilium writes
// the merged allows of a port.
func l4Allow(remotes ...uint32) *cilium.PortNetworkPolicyRule {
	return &cilium.PortNetworkPolicyRule{RemotePolicies: remotes}
}
