//go:build linux

package agent

import (
	"github.com/cilium/cilium/pkg/endpoint/regeneration"
	"github.com/cilium/cilium/pkg/policy"
	"github.com/cilium/cilium/pkg/proxy/accesslog"
	"github.com/cilium/cilium/pkg/u8proto"
)

// Stand-in proxy ports: the agent's proxy allocates a port for its DNS
// proxy and for each Envoy listener at run time, and the policy map
// redirects to them. These are picked here.
const (
	DNSProxyPort uint16 = 10053
	EnvoyPort    uint16 = 10443
)

// proxyPort returns the stand-in port the agent's proxy would give a
// redirect for parser: the DNS proxy's for DNS, Envoy's for the others
// (http, tls, crd).
func proxyPort(parser policy.L7ParserType) uint16 {
	if parser == policy.ParserTypeDNS {
		return DNSProxyPort
	}
	return EnvoyPort
}

// StandInEndpoint stands in for the Cilium endpoint of a pod that does not
// run: the policy owner the policy is distilled for, and the endpoint the
// NPDS resource is made for.
type StandInEndpoint struct {
	// ID is the endpoint ID.
	ID uint16
	// IPv4 is the pod address the NPDS resource is keyed by.
	IPv4 string
}

var (
	_ policy.PolicyOwner = (*StandInEndpoint)(nil)
)

// GetID returns the endpoint ID.
func (e *StandInEndpoint) GetID() uint64 { return uint64(e.ID) }

// GetPolicyNames returns the endpoint's addresses, the NPDS resource's names.
func (e *StandInEndpoint) GetPolicyNames() []string { return []string{e.IPv4} }

// GetIPv4Address returns the endpoint's IPv4 address.
func (e *StandInEndpoint) GetIPv4Address() string { return e.IPv4 }

// GetIPv6Address returns "": the stand-in has no IPv6 address.
func (e *StandInEndpoint) GetIPv6Address() string { return "" }

// GetIngressNamedPort returns 0: the workload names no ports.
func (e *StandInEndpoint) GetIngressNamedPort(string, u8proto.U8proto) uint16 { return 0 }

// GetListenerProxyPort returns 0: no CiliumEnvoyConfig listener exists.
func (e *StandInEndpoint) GetListenerProxyPort(string) uint16 { return 0 }

// OnProxyPolicyUpdate does nothing: no Envoy acknowledges.
func (e *StandInEndpoint) OnProxyPolicyUpdate(uint64) {}

// UpdateProxyStatistics does nothing: no traffic flows.
func (e *StandInEndpoint) UpdateProxyStatistics(string, string, uint16, uint16, bool, bool, accesslog.FlowVerdict) {
}

// PolicyDebug drops the policy engine's debug lines.
func (e *StandInEndpoint) PolicyDebug(string, ...any) {}

// IsHost returns false: the endpoint is a pod's.
func (e *StandInEndpoint) IsHost() bool { return false }

// PreviousMapStateSizes returns zero sizes: there is no earlier policy.
func (e *StandInEndpoint) PreviousMapStateSizes() policy.MapStateSizes {
	return policy.MapStateSizes{}
}

// RegenerateIfAlive returns at once: the view is computed again by calling
// Agent.ComputeView, not by regenerating an endpoint.
func (e *StandInEndpoint) RegenerateIfAlive(*regeneration.ExternalRegenerationMetadata) <-chan bool {
	ch := make(chan bool)
	close(ch)
	return ch
}
