// Package envoystandin is a stand-in for the policy decisions Cilium's
// Envoy (cilium/proxy) makes on an endpoint's egress connection. It is not
// Envoy: it runs no proxy, and models only what decides interception. Given
// the endpoint's whole NPDS resource (cilium.NetworkPolicy), the SDS
// secrets the agent serves, the IP cache and one connection (remote address,
// port, SNI), it decides as cilium/proxy's code does, each step citing the
// file and function of github.com/cilium/proxy at the revision go.sum names
// (v0.0.0-20260701124752-9c14fdc485a1, the API of Cilium v1.20.2):
//
//  1. The remote identity: the IP cache's identity for the destination
//     address, or WORLD (2) when it has none (cilium/bpf_metadata.cc,
//     Config::resolvePolicyId).
//  2. The rules for the port: the egress PortNetworkPolicy entries covering
//     it, exact ports prepended (which reverses each entry's rules) and
//     ranges appended, wildcard-port rules appended, then a stable sort by
//     precedence and verdict (cilium/network_policy.cc, PortNetworkPolicy's
//     constructor, PortNetworkPolicyRules::prepend, append, sort;
//     findPortRules).
//  3. The TLS context served: the first rule, in that order, that allows the
//     remote identity and the SNI (serverNames) and carries a downstream TLS
//     context; with none, a raw socket when some rule allows
//     (network_policy.cc PortNetworkPolicyRules::getServerTlsContext,
//     forEachRulePred; cilium/tls_wrapper.cc SslSocketWrapper::prepareSocket).
//     The upstream context is chosen the same way.
//  4. The connection's network verdict: the first rule that allows or denies
//     the remote identity and SNI (network_policy.cc getVerdict with SNI,
//     forEachRule; cilium/network_filter.cc Instance::enforceNetworkPolicy).
//  5. Each decrypted HTTP request: when no rule on the port has HTTP rules it
//     is allowed; otherwise the rules are walked for the remote identity
//     only (not the SNI), a rule without HTTP rules allowing every request,
//     header matchers matched as Envoy's HeaderUtility does and header
//     matches applied with their mismatch actions; a denial is 403 with the
//     body "Access denied" (network_policy.cc PortNetworkPolicyRule::getVerdict
//     with headers, HeaderMatch::allowed; cilium/l7policy.cc
//     AccessFilter::decodeHeaders).
//
// It imports no Cilium agent package, so the sandbox binary can use it for
// lint and the doctor, and it builds on every platform.
package envoystandin
