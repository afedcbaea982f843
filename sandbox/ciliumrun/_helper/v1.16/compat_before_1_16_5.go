//go:build !since_1_16_5

package main

import (
	"context"

	"github.com/cilium/cilium/pkg/envoy"
	"github.com/cilium/cilium/pkg/policy"
	"github.com/cilium/cilium/pkg/proxy/types"
)

// proxyPortNames stands in for pkg/proxy's proxy port table before
// 1.16.5, which keeps it unexported (proxy.go defaultProxyPortMap and
// findProxyPortByType): the names of the egress ports by proxy type, with
// "unknown" parsers (TLS, TCP) on proxylib's port as there. The numbers
// are the stand-in ones.
type proxyPortNames struct{}

func newProxyPortPicker() proxyPortPicker { return proxyPortNames{} }

// proxyPortsStandIn says what stands in for the proxy port table.
const proxyPortsStandIn = "proxy ports: named as pkg/proxy's unexported table names them before 1.16.5 (a copy of its names here); the numbers are picked here"

func (proxyPortNames) pick(parser policy.L7ParserType, _ string, ingress bool) (string, uint16, error) {
	dir := "egress"
	if ingress {
		dir = "ingress"
	}
	switch types.ProxyType(parser) {
	case types.ProxyTypeDNS:
		return types.DNSProxyName, standInProxyPorts["dns"], nil
	case types.ProxyTypeHTTP:
		return "cilium-http-" + dir, standInProxyPorts["http"], nil
	}
	return "cilium-proxylib-" + dir, standInProxyPorts["tls"], nil
}

// addListener is pkg/proxy's creation of an Envoy redirect's listener
// (before 1.16.5 AddListener neither reports an error nor calls back).
func addListener(xds envoy.XDSServer, name string, kind policy.L7ParserType, port uint16, ingress, originalSource bool) error {
	xds.AddListener(name, kind, port, ingress, originalSource, nil)
	return nil
}

func (noEndpointsToRestore) WaitForEndpointRestore(context.Context) {}
