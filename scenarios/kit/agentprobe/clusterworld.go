package agentprobe

import (
	"context"
	"fmt"
	"net/netip"
	"sort"

	cilium "github.com/cilium/proxy/go/cilium/api"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun"
	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun/wire"
	"github.com/cilium-tls-intercept/sandbox/sandbox/dnsanswer"
	"github.com/cilium-tls-intercept/sandbox/sandbox/envoystandin"
)

// ClusterWorld is the world of a Cilium release's own agent, running in a
// per-release helper in cluster mode (sandbox/ciliumrun) against the API
// server the scenarios installed into: each View asks the helper for the
// workload's view after the answers and hands what the agent serves Envoy
// to the Envoy stand-in.
type ClusterWorld struct {
	Cluster *ciliumrun.Cluster
	// Workload is the pod whose egress the world is seen from.
	Workload wire.Workload
	// Last is the helper's last answer, for messages.
	Last *wire.ClusterView
}

// View asks the helper for the workload's view after answers.
func (w *ClusterWorld) View(_ context.Context, answers dnsanswer.Answers) (*View, error) {
	cv, err := w.Cluster.View(wire.ViewRequest{Workload: w.Workload, DNS: WireAnswers(answers), IncludeSecretValues: true})
	if err != nil {
		return nil, err
	}
	w.Last = cv
	return ViewOf(cv)
}

// WireAnswers are answers in the helper's protocol, in name order.
func WireAnswers(answers dnsanswer.Answers) []wire.DNSAnswer {
	var out []wire.DNSAnswer
	for _, n := range answers.Names() {
		a := wire.DNSAnswer{Name: n}
		for _, r := range answers[n] {
			a.Addresses = append(a.Addresses, r.Addr.String())
			a.TTL = max(a.TTL, int(r.TTL))
		}
		out = append(out, a)
	}
	return out
}

// ViewOf turns the helper's view into the stand-in's inputs: the NPDS
// resource and SDS secrets decoded with the cilium/proxy and Envoy API of
// go.mod (fields a release's API has and this one lacks are dropped), the
// IP cache, and the policy map's egress verdicts.
func ViewOf(cv *wire.ClusterView) (*View, error) {
	v := &cv.View
	if v.PolicyError != "" {
		return nil, fmt.Errorf("the agent could not compute the policy of %s (the endpoint keeps its previous policy): %s", v.Workload.Name, v.PolicyError)
	}
	np := &cilium.NetworkPolicy{}
	if len(v.NPDS) > 0 {
		if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(v.NPDS, np); err != nil {
			return nil, fmt.Errorf("NPDS resource of %s: %w", v.Workload.Name, err)
		}
	}
	secrets := envoystandin.Secrets{}
	for _, s := range v.SDS {
		if len(s.Secret) == 0 {
			continue // not served, or served without its value
		}
		sec := &tlsv3.Secret{}
		if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(s.Secret, sec); err != nil {
			return nil, fmt.Errorf("SDS secret %s: %w", s.Name, err)
		}
		secrets[s.Name] = sec
	}
	ipc := envoystandin.IPCache{}
	for _, e := range cv.IPCache {
		addr, err := netip.ParseAddr(e.Prefix)
		if err != nil {
			return nil, fmt.Errorf("IP cache entry %q: %w", e.Prefix, err)
		}
		if e.Identity != 0 {
			ipc.Add(addr, e.Identity)
		}
	}
	s := &envoystandin.StandIn{NPDS: np, Secrets: secrets, IPCache: ipc}
	for _, r := range v.Redirects {
		if r.Listener != "" {
			s.ProxyID = uint32(r.ProxyPort)
			http := r.Parser == "http"
			s.HTTPListener = &http
		}
	}
	return &View{Envoy: s, Egress: EgressFromPolicyMap(v.PolicyMap)}, nil
}

// EgressFromPolicyMap gives the policy map's verdict for egress TCP to an
// identity and port, looked up as the datapath does (bpf/lib/policy.h
// __policy_can_access): the longest match on protocol and port among the
// entries for the identity, and among those for any identity (0); the
// latter wins when it has a higher precedence (a deny over a redirect
// over an allow), or the same and a longer match; no entry drops.
func EgressFromPolicyMap(entries []wire.PolicyMapEntry) func(uint32, uint16) PathVerdict {
	var egress []wire.PolicyMapEntry
	for _, e := range entries {
		if e.TrafficDirection == "Egress" {
			egress = append(egress, e)
		}
	}
	return func(id uint32, port uint16) PathVerdict {
		specific, agg := longestMatch(egress, id, port), longestMatch(egress, 0, port)
		chosen := specific
		if agg != nil && (specific == nil || precedence(*agg) > precedence(*specific) ||
			(precedence(*agg) == precedence(*specific) && lpmLength(*agg) > lpmLength(*specific))) {
			chosen = agg
		}
		switch {
		case chosen == nil || chosen.IsDeny:
			return PathDrop
		case chosen.ProxyPort != 0:
			return PathRedirect
		}
		return PathAllow
	}
}

// tcp is the IP protocol number of TCP (u8proto.TCP).
const tcp = 6

// longestMatch is the LPM trie's lookup: the entry for id whose protocol
// and port prefix hold TCP port, with the longest prefix.
func longestMatch(es []wire.PolicyMapEntry, id uint32, port uint16) *wire.PolicyMapEntry {
	var found []wire.PolicyMapEntry
	for _, e := range es {
		if e.Identity != id || (e.Nexthdr != 0 && e.Nexthdr != tcp) {
			continue
		}
		if e.Nexthdr != 0 && e.DestPortPrefixLen > 0 {
			mask := uint16(0xffff) << (16 - e.DestPortPrefixLen)
			if port&mask != e.DestPort&mask {
				continue
			}
		}
		found = append(found, e)
	}
	if len(found) == 0 {
		return nil
	}
	sort.SliceStable(found, func(i, j int) bool { return lpmLength(found[i]) > lpmLength(found[j]) })
	return &found[0]
}

// lpmLength is an entry's prefix length on protocol and port: 0 for any
// protocol, 8 plus the port's prefix otherwise.
func lpmLength(e wire.PolicyMapEntry) int {
	if e.Nexthdr == 0 {
		return 0
	}
	return 8 + int(e.DestPortPrefixLen)
}

// precedence orders a deny over a proxy redirect over a plain allow.
func precedence(e wire.PolicyMapEntry) int {
	switch {
	case e.IsDeny:
		return 2
	case e.ProxyPort != 0:
		return 1
	}
	return 0
}
