//go:build linux

package scenarios

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/cilium/cilium/pkg/identity"
	"github.com/cilium/cilium/pkg/u8proto"

	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/agent"
)

// mapEntry is one egress entry of an endpoint's policy map.
type mapEntry struct {
	id    identity.NumericIdentity
	proto u8proto.U8proto
	port  uint16
	// proxy is the redirect's port, 0 for none.
	proxy uint16
	deny  bool
}

func (e mapEntry) String() string {
	verdict := "allow"
	switch {
	case e.deny:
		verdict = "deny"
	case e.proxy != 0:
		verdict = fmt.Sprintf("redirect to proxy port %d", e.proxy)
	}
	return fmt.Sprintf("identity %d %s/%d: %s", e.id, e.proto, e.port, verdict)
}

// egressEntries returns the view's egress policy map entries, sorted.
func egressEntries(v *agent.View) []mapEntry {
	var out []mapEntry
	for k, e := range v.Policy.Entries() {
		if !k.IsEgress() {
			continue
		}
		out = append(out, mapEntry{id: k.Identity, proto: k.Nexthdr, port: k.DestPort, proxy: e.ProxyPort, deny: e.IsDeny()})
	}
	slices.SortFunc(out, func(a, b mapEntry) int { return strings.Compare(a.String(), b.String()) })
	return out
}

// wantEgress is the policy map the chart's policies should give the
// workload: DNS to kube-dns through the DNS proxy, 443 to each intercepted
// name's identity through Envoy, 443 to each pass-through name's identity
// without a proxy, and nothing else.
func wantEgress(in *workloadInputs) ([]mapEntry, error) {
	want := []mapEntry{
		{id: in.kubeDNS.ID, proto: u8proto.UDP, port: 53, proxy: agent.DNSProxyPort},
		{id: in.kubeDNS.ID, proto: u8proto.TCP, port: 53, proxy: agent.DNSProxyPort},
	}
	for _, f := range in.fqdn {
		passThrough, err := f.Selects(passThroughHost)
		if err != nil {
			return nil, err
		}
		e := mapEntry{id: f.Identity.ID, proto: u8proto.TCP, port: 443, proxy: agent.EnvoyPort}
		if passThrough {
			e.proxy = 0
		}
		want = append(want, e)
	}
	slices.SortFunc(want, func(a, b mapEntry) int { return strings.Compare(a.String(), b.String()) })
	return want, nil
}

// assertPolicyMap compares the workload's egress policy map with
// wantEgress, and checks that world gets nothing.
func (a *agentTier) assertPolicyMap(t *testing.T, in *workloadInputs, v *agent.View) {
	t.Helper()
	got := egressEntries(v)
	for _, e := range got {
		t.Logf("policy map egress: %s", e)
		if e.id == identity.ReservedIdentityWorld || e.id == identity.IdentityUnknown {
			t.Errorf("egress entry for %s: world and wildcard egress must be denied by default", e)
		}
	}
	want, err := wantEgress(in)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("egress policy map:\n  got  %v\n  want %v", got, want)
	}
	t.Logf("default deny: no egress entry for world (identity %d) or any other identity; DNS proxy port %d and Envoy port %d are stand-ins",
		identity.ReservedIdentityWorld, agent.DNSProxyPort, agent.EnvoyPort)
}
