package agentprobe

import (
	"testing"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun/wire"
)

// TestEgressFromPolicyMap checks the datapath's lookup on map entries like
// those the agent computes for the chart: kube-dns on 53 to the DNS proxy,
// FQDN identities on 443 to Envoy, a deny, and an L3-only allow.
func TestEgressFromPolicyMap(t *testing.T) {
	eg := func(id uint32, nexthdr uint8, port uint16, plen uint8, proxy uint16, deny bool) wire.PolicyMapEntry {
		return wire.PolicyMapEntry{TrafficDirection: "Egress", Identity: id, Nexthdr: nexthdr, DestPort: port,
			DestPortPrefixLen: plen, ProxyPort: proxy, IsDeny: deny}
	}
	entries := []wire.PolicyMapEntry{
		{TrafficDirection: "Ingress", Identity: 0}, // ingress allow-all: not egress
		eg(25961, 17, 53, 16, 10053, false),
		eg(16777217, 6, 443, 16, 10080, false),
		eg(16777218, 6, 0, 0, 0, false),   // any TCP port
		eg(16777218, 0, 0, 0, 0, false),   // L3 only
		eg(16777219, 6, 443, 16, 0, true), // deny
		eg(0, 6, 8443, 16, 0, false),      // any identity on 8443
		eg(16777220, 6, 8443, 16, 10080, false),
		eg(16777221, 6, 8440, 13, 0, false), // 8440-8447
	}
	egress := EgressFromPolicyMap(entries)
	for _, tt := range []struct {
		name string
		id   uint32
		port uint16
		want PathVerdict
	}{
		{"FQDN identity on its port: Envoy", 16777217, 443, PathRedirect},
		{"FQDN identity on another port: dropped", 16777217, 80, PathDrop},
		{"identity with an any-port entry", 16777218, 443, PathAllow},
		{"denied identity", 16777219, 443, PathDrop},
		{"unknown identity: ingress allow-all does not count", 2, 443, PathDrop},
		{"any identity on 8443", 2, 8443, PathAllow},
		{"a redirect outranks the any-identity allow", 16777220, 8443, PathRedirect},
		{"port range prefix", 16777221, 8445, PathAllow},
		{"outside the port range", 16777221, 8448, PathDrop},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := egress(tt.id, tt.port); got != tt.want {
				t.Errorf("egress(%d, %d) = %s, want %s", tt.id, tt.port, got, tt.want)
			}
		})
	}
}
