// Package dnsanswer holds DNS answers: for each name, the addresses it
// resolved to and the TTL of each. Cilium derives identities from such
// answers (an address's identity carries every toFQDNs selector whose names
// resolved to it), so the offline CoreDNS hosts block, the agent tier, the
// per-release helpers and `sandbox lint --resolve` all speak this one type.
// It also reads recorded answers (fixtures/dns) and finds the addresses that
// several names share. The package uses only the standard library and
// sandbox/dnsname, so any binary or helper can import it.
package dnsanswer
