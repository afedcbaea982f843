//go:build linux

package agent

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"slices"

	cilium "github.com/cilium/proxy/go/cilium/api"
	envoycore "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	"google.golang.org/protobuf/proto"

	"github.com/cilium/cilium/pkg/identity"
)

// EnvoyStandIn is Go's crypto/tls standing in for Cilium's Envoy on an
// endpoint's egress: it picks the NPDS rule for a destination by the
// destination's stand-in identities among the rule's remote policies, and
// does TLS with exactly the secrets that rule names, taken from SDS (or
// inline in the rule when the agent does not use SDS).
//
// It is kinder than Envoy: it refuses to choose when two rules differ,
// where Envoy takes the first allowing rule with a TLS context in its own
// order. sandbox/envoystandin decides as cilium/proxy does from the whole
// NPDS, the SDS secrets and an IP cache; switching this type to it needs
// identities per address (derived from DNS answers through Cilium's FQDN
// machinery) in place of the per-selector stand-in identities of
// FQDNIdentities, which is what the agent world of scenarios/kit/agentprobe
// provides.
type EnvoyStandIn struct {
	// NPDS is the endpoint's NetworkPolicy resource.
	NPDS *cilium.NetworkPolicy
	// SDS holds the secrets the agent serves over SDS.
	SDS *SDSSecrets
	// FQDN are the stand-in identities a destination name maps to.
	FQDN []FQDNIdentity
}

// Rule returns the egress rule on TCP port for host: the rule whose remote
// policies hold an identity of host. Rules that differ in what they give
// Envoy for the same host are an error.
func (e *EnvoyStandIn) Rule(host string, port uint32) (*cilium.PortNetworkPolicyRule, error) {
	ids, err := IdentitiesOf(e.FQDN, host)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("%s: no toFQDNs selector selects it, so it has no identity and no NPDS rule", host)
	}
	var found *cilium.PortNetworkPolicyRule
	for _, pp := range e.NPDS.GetEgressPerPortPolicies() {
		if pp.GetPort() != port || pp.GetProtocol() != envoycore.SocketAddress_TCP {
			continue
		}
		for _, r := range pp.GetRules() {
			if !selectsAny(r.GetRemotePolicies(), ids) {
				continue
			}
			if found != nil && !proto.Equal(found, r) {
				return nil, fmt.Errorf("%s: two NPDS rules on %d/TCP for identities %v differ", host, port, ids)
			}
			found = r
		}
	}
	if found == nil {
		return nil, fmt.Errorf("%s: no NPDS rule on %d/TCP for its identities %v", host, port, ids)
	}
	return found, nil
}

// selectsAny reports whether remote (empty: every identity) holds one of ids.
func selectsAny(remote []uint32, ids []identity.NumericIdentity) bool {
	if len(remote) == 0 {
		return true
	}
	for _, id := range ids {
		if slices.Contains(remote, uint32(id)) {
			return true
		}
	}
	return false
}

// ServerConfig is the TLS Envoy would terminate the endpoint's connection to
// host with: the chain and key of the rule's downstream context. It also
// returns the SDS secret's name ("" when inline).
func (e *EnvoyStandIn) ServerConfig(host string, port uint32) (*tls.Config, string, error) {
	r, err := e.Rule(host, port)
	if err != nil {
		return nil, "", err
	}
	dc := r.GetDownstreamTlsContext()
	if dc == nil {
		return nil, "", fmt.Errorf("%s: the NPDS rule terminates no TLS (no downstream TLS context)", host)
	}
	chain, key := []byte(dc.GetCertificateChain()), []byte(dc.GetPrivateKey())
	if name := dc.GetTlsSdsSecret(); name != "" {
		sec, err := e.sds(host, name)
		if err != nil {
			return nil, name, err
		}
		tc := sec.GetTlsCertificate()
		if tc == nil {
			return nil, name, fmt.Errorf("%s: SDS secret %s holds no TLS certificate", host, name)
		}
		chain, key = tc.GetCertificateChain().GetInlineBytes(), tc.GetPrivateKey().GetInlineBytes()
	}
	cert, err := tls.X509KeyPair(chain, key)
	if err != nil {
		return nil, dc.GetTlsSdsSecret(), fmt.Errorf("%s: certificate and key Envoy is given: %w", host, err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, dc.GetTlsSdsSecret(), nil
}

// UpstreamConfig is the TLS Envoy would originate to host with: trusting
// only the CA of the rule's upstream context. It also returns the SDS
// secret's name ("" when inline).
func (e *EnvoyStandIn) UpstreamConfig(host string, port uint32) (*tls.Config, string, error) {
	r, err := e.Rule(host, port)
	if err != nil {
		return nil, "", err
	}
	uc := r.GetUpstreamTlsContext()
	if uc == nil {
		return nil, "", fmt.Errorf("%s: the NPDS rule originates no TLS (no upstream TLS context)", host)
	}
	ca := []byte(uc.GetTrustedCa())
	name := uc.GetValidationContextSdsSecret()
	if name != "" {
		sec, err := e.sds(host, name)
		if err != nil {
			return nil, name, err
		}
		vc := sec.GetValidationContext()
		if vc == nil {
			return nil, name, fmt.Errorf("%s: SDS secret %s holds no validation context", host, name)
		}
		ca = vc.GetTrustedCa().GetInlineBytes()
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(ca) {
		return nil, name, fmt.Errorf("%s: the trusted CA Envoy is given holds no certificate", host)
	}
	return &tls.Config{RootCAs: roots, ServerName: host, MinVersion: tls.VersionTLS12}, name, nil
}

// sds returns the SDS secret name, as Envoy would ask the agent for it.
func (e *EnvoyStandIn) sds(host, name string) (*tlsv3.Secret, error) {
	sec, ok := e.SDS.Get(name)
	if !ok {
		return nil, fmt.Errorf("%s: SDS secret %s is not supplied (Envoy: \"Secret is not supplied by SDS\")", host, name)
	}
	return sec, nil
}

// Handshake does a TLS handshake between server and client over a loopback
// TCP connection (whose buffers let either side write an alert while the
// other still writes), bounded by ctx, and returns the client's error, or
// the server's when the client saw none.
func Handshake(ctx context.Context, server, client *tls.Config) error {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("handshake listener: %w", err)
	}
	defer ln.Close()
	srvErr := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			srvErr <- err
			return
		}
		defer c.Close()
		srvErr <- tls.Server(c, server).HandshakeContext(ctx)
	}()
	c, err := (&net.Dialer{}).DialContext(ctx, "tcp", ln.Addr().String())
	if err != nil {
		return fmt.Errorf("handshake dial: %w", err)
	}
	err = tls.Client(c, client).HandshakeContext(ctx)
	c.Close()
	sErr := <-srvErr
	if err != nil {
		return err
	}
	if sErr != nil {
		return fmt.Errorf("server: %w", sErr)
	}
	return nil
}
