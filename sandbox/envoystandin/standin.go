package envoystandin

import (
	"crypto/tls"
	"fmt"
	"net/netip"

	cilium "github.com/cilium/proxy/go/cilium/api"
)

// StandIn holds what the agent gives Envoy for one endpoint; its methods
// decide as cilium/proxy does. It is a stand-in, not Envoy.
type StandIn struct {
	// NPDS is the endpoint's whole NetworkPolicy resource.
	NPDS *cilium.NetworkPolicy
	// Secrets are the SDS secrets the agent serves.
	Secrets Secrets
	// IPCache maps addresses to identities.
	IPCache IPCache
	// HTTPListener says whether the redirect lands on Cilium's HTTP
	// listener (nil: inferred, true when a rule on the port has HTTP rules,
	// as the agent then redirects with the HTTP parser). Its TLS filter
	// chain hands a raw socket's bytes to the HTTP connection manager
	// (pkg/envoy/model.go GetHttpFilterChainProto).
	HTTPListener *bool
	// ProxyID is the listener's proxy_id (its BpfMetadata config; the
	// agent uses the proxy port). A rule naming another listener is
	// skipped; 0 is a listener no rule names.
	ProxyID uint32
}

// Connection is one egress connection from the endpoint, redirected to
// the proxy.
type Connection struct {
	// Remote is the original destination address and port.
	Remote netip.AddrPort
	// SNI is the server name of the client hello ("" when none).
	SNI string
}

// Decision is what the stand-in decided for a connection.
type Decision struct {
	Connection
	// RemoteIdentity is the destination's identity.
	RemoteIdentity uint32
	// InIPCache is false when the IP cache had no entry (RemoteIdentity is
	// then WorldIdentity).
	InIPCache bool
	// Rules are the port's rules in the order the proxy walks them; nil
	// when the policy has none for the port (the proxy then denies).
	Rules *PortRules
	// Network is the connection's verdict (cilium.network filter).
	Network Verdict
	// NetworkRule is the rule that gave it (nil: none, or an empty list).
	NetworkRule *Rule
	// Server is the rule whose downstream TLS context terminates the
	// connection; nil when none does.
	Server *Rule
	// Raw is true when no rule's downstream context applies but the
	// policy allows: Envoy passes the bytes through untouched.
	Raw bool
	// Upstream is the rule whose upstream TLS context Envoy originates
	// with; nil when none does.
	Upstream *Rule
	// RawToHTTP is true when Raw and the listener is HTTP: Envoy's HTTP
	// codec reads the client's TLS bytes as HTTP, answers 400 and closes,
	// so a TLS client fails its handshake ("wrong version number").
	RawToHTTP bool
	// UpstreamRaw is true when no upstream context applies but the policy
	// allows: Envoy connects upstream without TLS.
	UpstreamRaw bool
}

// Decide finds the remote identity, the port's rules and the rules whose
// TLS contexts apply, and the connection's verdict. Its error is an NPDS
// resource the proxy would reject.
func (s *StandIn) Decide(c Connection) (*Decision, error) {
	d := &Decision{Connection: c}
	d.RemoteIdentity, d.InIPCache = s.IPCache.Identity(c.Remote.Addr())
	if !d.InIPCache {
		d.RemoteIdentity = WorldIdentity
	}
	rules, err := egressPortRules(s.NPDS, c.Remote.Port())
	if err != nil {
		return nil, fmt.Errorf("NPDS resource rejected: %w", err)
	}
	d.Rules = rules
	if rules == nil {
		return d, nil // "PortPolicy::allowed": no rules for the port, deny
	}
	bySNI := func(r *Rule) Verdict { return r.verdictForSNI(s.ProxyID, d.RemoteIdentity, c.SNI) }
	d.Network, d.NetworkRule = rules.forEachRule(true, bySNI)
	v, server := rules.forEachRulePred(bySNI, func(r *Rule) bool { return r.Proto.GetDownstreamTlsContext() != nil })
	d.Server, d.Raw = server, v == VerdictAllow && server == nil
	d.RawToHTTP = d.Raw && s.httpListener(rules)
	v, up := rules.forEachRulePred(bySNI, func(r *Rule) bool { return r.Proto.GetUpstreamTlsContext() != nil })
	d.Upstream, d.UpstreamRaw = up, v == VerdictAllow && up == nil
	return d, nil
}

// Allowed reports whether the proxy lets the connection through at all:
// the network verdict allows, and it either terminates or passes the bytes
// through to a TCP proxy.
func (d *Decision) Allowed() bool {
	return d.Rules != nil && d.Network == VerdictAllow && (d.Server != nil || (d.Raw && !d.RawToHTTP))
}

func (s *StandIn) httpListener(rules *PortRules) bool {
	if s.HTTPListener != nil {
		return *s.HTTPListener
	}
	return rules.hasHTTPRules()
}

// ServerTLS is the TLS Envoy terminates the connection with, from the
// chosen rule's downstream context; the name of its SDS secret ("" when
// inline). Without a chosen rule it errs with what the proxy logs.
func (s *StandIn) ServerTLS(d *Decision) (*tls.Config, string, error) {
	if d.Server == nil {
		return nil, "", d.noContext("server")
	}
	c := d.Server.Proto.GetDownstreamTlsContext()
	cfg, err := serverConfig(c, s.Secrets)
	if err != nil {
		return nil, c.GetTlsSdsSecret(), fmt.Errorf("%s: %w", d.Server, err)
	}
	return cfg, c.GetTlsSdsSecret(), nil
}

// UpstreamTLS is the TLS Envoy originates to the destination with, from
// the chosen rule's upstream context; the name of its SDS validation
// secret ("" when inline).
func (s *StandIn) UpstreamTLS(d *Decision) (*tls.Config, string, error) {
	if d.Upstream == nil {
		return nil, "", d.noContext("client")
	}
	c := d.Upstream.Proto.GetUpstreamTlsContext()
	cfg, err := clientConfig(c, s.Secrets, d.SNI)
	if err != nil {
		return nil, c.GetValidationContextSdsSecret(), fmt.Errorf("%s: %w", d.Upstream, err)
	}
	return cfg, c.GetValidationContextSdsSecret(), nil
}

// noContext is the warning cilium/tls_wrapper.cc logs when it has no TLS
// context and may not use a raw socket.
func (d *Decision) noContext(side string) error {
	return fmt.Errorf("cilium.tls_wrapper: Could not get %s TLS context for destination IP %s (id %d) port %d sni %q and raw socket is not allowed",
		side, d.Remote.Addr(), d.RemoteIdentity, d.Remote.Port(), d.SNI)
}
