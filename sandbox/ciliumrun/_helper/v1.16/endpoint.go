package main

import (
	"errors"

	"github.com/sirupsen/logrus"

	"github.com/cilium/cilium/pkg/endpoint/regeneration"
	"github.com/cilium/cilium/pkg/fqdn/restore"
	"github.com/cilium/cilium/pkg/policy"
	"github.com/cilium/cilium/pkg/proxy/accesslog"
	proxyendpoint "github.com/cilium/cilium/pkg/proxy/endpoint"
)

// standInEndpoint stands in for the Cilium endpoint of a workload's pod,
// which does not run: the policy owner the policy is distilled for, and the
// endpoint the xDS server makes the NPDS resource for.
type standInEndpoint struct {
	id   uint16
	ipv4 string
	// redirects are the endpoint's realized redirects, proxy ID to proxy
	// port, which 1.16's policy looks its proxy ports up in.
	redirects map[string]uint16
}

var (
	_ policy.PolicyOwner            = (*standInEndpoint)(nil)
	_ proxyendpoint.EndpointUpdater = (*standInEndpoint)(nil)
)

// errUnrealizedRedirect is pkg/endpoint's error for a redirect not made yet.
var errUnrealizedRedirect = errors.New("proxy redirect not found")

func (e *standInEndpoint) GetID() uint64                            { return uint64(e.id) }
func (e *standInEndpoint) GetIPv4Address() string                   { return e.ipv4 }
func (e *standInEndpoint) GetIPv6Address() string                   { return "" }
func (e *standInEndpoint) ConntrackNameLocked() string              { return "global" }
func (e *standInEndpoint) GetNamedPort(bool, string, uint8) uint16  { return 0 }
func (e *standInEndpoint) OnProxyPolicyUpdate(uint64)               {}
func (e *standInEndpoint) OnDNSPolicyUpdateLocked(restore.DNSRules) {}
func (e *standInEndpoint) HasBPFPolicyMap() bool                    { return true }
func (e *standInEndpoint) GetRealizedRedirects() map[string]uint16  { return e.redirects }
func (e *standInEndpoint) PolicyDebug(logrus.Fields, string)        {}
func (e *standInEndpoint) UpdateProxyStatistics(string, string, uint16, uint16, bool, bool, accesslog.FlowVerdict) {
}

// LookupRedirectPort is pkg/endpoint's: the realized redirect's port.
func (e *standInEndpoint) LookupRedirectPort(ingress bool, protocol string, port uint16, listener string) (uint16, error) {
	p, ok := e.redirects[policy.ProxyID(e.id, ingress, protocol, port, listener)]
	if !ok {
		return 0, errUnrealizedRedirect
	}
	return p, nil
}

// RegenerateIfAlive returns at once: views are computed afresh instead.
func (e *standInEndpoint) RegenerateIfAlive(*regeneration.ExternalRegenerationMetadata) <-chan bool {
	ch := make(chan bool)
	close(ch)
	return ch
}
