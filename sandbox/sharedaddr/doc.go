// Package sharedaddr finds names that share an address where that breaks
// interception, and says which certificate Envoy would serve to each.
//
// Cilium gives an identity to an address, not to a name: the identity of
// an address carries every toFQDNs selector whose names resolved to it. So
// when names of two intercept groups, or an intercepted and a passed-through
// name, resolve to one address, every policy selecting any of them selects
// that address, the proxy redirect wins the policy map, and Envoy picks
// among all the rules for the identity: the first allowing rule with a TLS
// context for the SNI, in the order cilium/proxy walks them. This package
// builds those rules from the policies as Cilium 1.20's agent writes them
// into NPDS and orders them as pkg/envoy/policy/sort.go does, then asks
// sandbox/envoystandin (a stand-in for Envoy's choice, not Envoy) what each
// name gets. Where the order depends on what the policies do not say (the
// other identities each selector selects), it names every candidate.
package sharedaddr
