package agentprobe

import (
	"context"

	cilium "github.com/cilium/proxy/go/cilium/api"

	"github.com/cilium-tls-intercept/sandbox/sandbox/dnsanswer"
	"github.com/cilium-tls-intercept/sandbox/sandbox/envoystandin"
)

// PathVerdict is what the endpoint's BPF policy map does with an egress
// connection to an identity and port.
type PathVerdict int

const (
	// PathDrop: no entry allows it; the packets are dropped.
	PathDrop PathVerdict = iota
	// PathAllow: allowed at L3/L4, not redirected: it goes straight out.
	PathAllow
	// PathRedirect: sent to Envoy's listener (a proxy port in the entry).
	PathRedirect
)

// String names the verdict.
func (v PathVerdict) String() string {
	return [...]string{"dropped", "allowed without a proxy", "redirected to Envoy"}[v]
}

// View is what Cilium's agent gives one endpoint once its DNS proxy has
// seen the answers.
type View struct {
	// Envoy holds the endpoint's NPDS resource, the SDS secrets and the IP
	// cache, as the agent serves them to Envoy.
	Envoy *envoystandin.StandIn
	// Egress is the endpoint's policy map: its verdict for egress to an
	// identity on a TCP port.
	Egress func(identity uint32, port uint16) PathVerdict
}

// World is the agent tier behind the prober.
type World interface {
	// View returns what the agent gives the workload's endpoint once its
	// DNS proxy has seen answers: identities are derived from them, so
	// names sharing an address share an identity.
	View(ctx context.Context, answers dnsanswer.Answers) (*View, error)
}

// EgressFromNPDS derives a policy map's egress verdicts from an NPDS
// resource, for worlds that have the NPDS but not the map: an identity a
// rule with a TLS context or HTTP rules selects on the port is redirected
// (Cilium's map-state merge lets a proxy redirect win, pkg/policy/types
// entry.go "Proxy port takes precedence"); one only L3/L4 rules select is
// allowed; any other is dropped. Deny rules and port ranges are not
// modelled: a world holding the agent's real policy map should use it.
func EgressFromNPDS(np *cilium.NetworkPolicy) func(uint32, uint16) PathVerdict {
	return func(id uint32, port uint16) PathVerdict {
		verdict := PathDrop
		for _, e := range np.GetEgressPerPortPolicies() {
			if e.GetPort() != uint32(port) && e.GetPort() != 0 {
				continue
			}
			if len(e.GetRules()) == 0 {
				verdict = max(verdict, PathAllow)
			}
			for _, r := range e.GetRules() {
				if r.GetDeny() || !selects(r.GetRemotePolicies(), id) {
					continue
				}
				if r.GetDownstreamTlsContext() != nil || r.GetUpstreamTlsContext() != nil || r.GetL7() != nil {
					return PathRedirect
				}
				verdict = max(verdict, PathAllow)
			}
		}
		return verdict
	}
}

func selects(remotes []uint32, id uint32) bool {
	if len(remotes) == 0 {
		return true
	}
	for _, r := range remotes {
		if r == id {
			return true
		}
	}
	return false
}
