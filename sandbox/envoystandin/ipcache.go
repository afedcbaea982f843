package envoystandin

import (
	"net/netip"
)

// WorldIdentity is the identity the proxy gives an address the IP cache does
// not know (Cilium::ID::WORLD in cilium/bpf_metadata.cc).
const WorldIdentity uint32 = 2

// IPCache is the agent's IP cache as the proxy reads it: prefixes to
// numeric identities, looked up by longest prefix.
type IPCache map[netip.Prefix]uint32

// Identity returns the identity of the longest prefix holding addr, and
// whether one did (cilium/bpf_metadata.cc Config::resolvePolicyId, which
// falls back to WorldIdentity).
func (c IPCache) Identity(addr netip.Addr) (uint32, bool) {
	addr = addr.Unmap()
	for bits := addr.BitLen(); bits >= 0; bits-- {
		p, err := addr.Prefix(bits)
		if err != nil {
			return 0, false
		}
		if id, ok := c[p]; ok {
			return id, true
		}
	}
	return 0, false
}

// Add puts addr (as a host prefix) in the cache with identity id.
func (c IPCache) Add(addr netip.Addr, id uint32) {
	addr = addr.Unmap()
	c[netip.PrefixFrom(addr, addr.BitLen())] = id
}
