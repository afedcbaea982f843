//go:build since_1_16_5

package main

import (
	"context"
	"fmt"

	"github.com/cilium/cilium/pkg/envoy"
	"github.com/cilium/cilium/pkg/policy"
	"github.com/cilium/cilium/pkg/proxy/proxyports"
	"github.com/cilium/cilium/pkg/proxy/types"
)

// proxyPorts is pkg/proxy/proxyports's table (from 1.16.5), with the
// stand-in port numbers.
type proxyPorts struct{ p *proxyports.ProxyPorts }

// proxyPortsStandIn says what stands in for the proxy port table.
const proxyPortsStandIn = "proxy ports: Cilium's proxy port table names them; the numbers are picked here"

// newProxyPortPicker makes the table with pkg/proxy's default range
// (proxy-portrange-min and -max).
func newProxyPortPicker() proxyPortPicker {
	return proxyPorts{proxyports.NewProxyPorts(10000, 20000, nil)}
}

func (pp proxyPorts) pick(parser policy.L7ParserType, listener string, ingress bool) (string, uint16, error) {
	name, port := pp.p.FindByTypeWithReference(types.ProxyType(parser), listener, ingress)
	if port == nil {
		return "", 0, fmt.Errorf("no proxy port for parser %s", parser)
	}
	if port.ProxyPort == 0 {
		port.ProxyPort = standInProxyPorts[types.ProxyType(parser)]
	}
	if err := pp.p.AllocatePort(port, false); err != nil {
		return "", 0, fmt.Errorf("allocate proxy port %s: %w", name, err)
	}
	return name, port.ProxyPort, nil
}

// addListener is pkg/proxy's creation of an Envoy redirect's listener.
func addListener(xds envoy.XDSServer, name string, kind policy.L7ParserType, port uint16, ingress, originalSource bool) error {
	return xds.AddListener(name, kind, port, ingress, originalSource, nil, nil)
}

func (noEndpointsToRestore) WaitForEndpointRestore(context.Context) error { return nil }
