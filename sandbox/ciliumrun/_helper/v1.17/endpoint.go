package main

import (
	"github.com/sirupsen/logrus"

	"github.com/cilium/cilium/pkg/container/versioned"
	"github.com/cilium/cilium/pkg/endpoint/regeneration"
	"github.com/cilium/cilium/pkg/policy"
	"github.com/cilium/cilium/pkg/proxy/accesslog"
	proxyendpoint "github.com/cilium/cilium/pkg/proxy/endpoint"
	"github.com/cilium/cilium/pkg/u8proto"
)

// standInEndpoint stands in for the Cilium endpoint of a workload's pod,
// which does not run: the policy owner the policy is distilled for, and the
// endpoint the xDS server makes the NPDS resource for.
type standInEndpoint struct {
	id   uint16
	ipv4 string
	// desired is the policy last handed to the xDS server, whose selector
	// cache version the xDS server reads the selections at.
	desired *policy.EndpointPolicy
}

var (
	_ policy.PolicyOwner            = (*standInEndpoint)(nil)
	_ proxyendpoint.EndpointUpdater = (*standInEndpoint)(nil)
)

func (e *standInEndpoint) GetID() uint64                                     { return uint64(e.id) }
func (e *standInEndpoint) GetIPv4Address() string                            { return e.ipv4 }
func (e *standInEndpoint) GetIPv6Address() string                            { return "" }
func (e *standInEndpoint) ConntrackNameLocked() string                       { return "global" }
func (e *standInEndpoint) GetNamedPort(bool, string, u8proto.U8proto) uint16 { return 0 }
func (e *standInEndpoint) OnProxyPolicyUpdate(uint64)                        {}
func (e *standInEndpoint) UpdateProxyStatistics(string, string, uint16, uint16, bool, bool, accesslog.FlowVerdict) {
}
func (e *standInEndpoint) PolicyDebug(logrus.Fields, string) {}
func (e *standInEndpoint) IsHost() bool                      { return false }

// MapStateSize returns 0: there is no earlier policy.
func (e *standInEndpoint) MapStateSize() int { return 0 }

// GetPolicyVersionHandle is the desired policy's selector cache version,
// as pkg/endpoint's Endpoint returns it.
func (e *standInEndpoint) GetPolicyVersionHandle() *versioned.VersionHandle {
	if e.desired != nil {
		return e.desired.VersionHandle
	}
	return nil
}

// RegenerateIfAlive returns at once: views are computed afresh instead.
func (e *standInEndpoint) RegenerateIfAlive(*regeneration.ExternalRegenerationMetadata) <-chan bool {
	ch := make(chan bool)
	close(ch)
	return ch
}
