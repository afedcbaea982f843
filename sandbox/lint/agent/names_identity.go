package agent

import (
	"fmt"
	"sort"
	"strings"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun/wire"
)

// reservedIdentities names Cilium's reserved identities (pkg/identity
// numericidentity.go), and 0, which a policy-map key uses for any peer.
var reservedIdentities = map[uint32]string{
	0: "any", 1: "reserved:host", 2: "reserved:world", 3: "reserved:unmanaged", 4: "reserved:health",
	5: "reserved:init", 6: "reserved:remote-node", 7: "reserved:kube-apiserver", 8: "reserved:ingress",
	9: "reserved:world-ipv4", 10: "reserved:world-ipv6",
}

// identityNames names identities by their labels rather than their numbers,
// which the allocator picks at run time and which so differ between runs
// and releases: the labels but Cilium's policy bookkeeping ones
// (io.cilium.k8s.policy.*, namespace labels), sorted.
func identityNames(r *wire.LintResult) map[uint32]string {
	out := map[uint32]string{}
	for id, n := range reservedIdentities {
		out[id] = n
	}
	for _, id := range r.Identities {
		var keep []string
		for _, l := range id.Labels {
			if strings.Contains(l, "io.cilium.k8s.policy.") || strings.Contains(l, "io.cilium.k8s.namespace.labels.") {
				continue
			}
			keep = append(keep, l)
		}
		sort.Strings(keep)
		out[id.ID] = strings.Join(keep, ",")
	}
	return out
}

// nameOf is id's name, "identity N" when unknown.
func nameOf(names map[uint32]string, id uint32) string {
	if n, ok := names[id]; ok {
		return n
	}
	return fmt.Sprintf("identity %d", id)
}
