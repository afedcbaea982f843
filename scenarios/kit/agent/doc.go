// Package agent runs Cilium's own operator and agent code in-process
// against a hermetic API server (scenarios/kit/hermetic), to show what
// Cilium would give Envoy for the interception chart's policies: the
// operator's copies of the policy secrets, the policy the agent computes for
// the workload, the NPDS resource it would send Envoy and the secrets it
// would serve over SDS.
//
// What runs is Cilium's code, unpatched, from the cilium module in go.mod
// (v1.20.2), each piece in Cilium's hive (pkg/hive.New) and configured from
// the cilium-config ConfigMap Cilium's Helm chart wrote, whose keys are the
// agent's and operator's flag names:
//
//   - StartOperator: the operator's secret sync (operator/pkg/secretsync with
//     the CiliumNetworkPolicy registrations of
//     operator/pkg/networkpolicy/secretsync, on operator/pkg/controller-runtime).
//   - StartAgent: the agent's certificate manager
//     (pkg/crypto/certificatemanager), Envoy's L7 rules translator and SDS
//     secret syncer (pkg/envoy); Agent.ComputeView feeds a policy repository
//     (pkg/policy) the policies, computes the endpoint's policy and map
//     state, and turns them into NPDS with envoy.GetNetworkPolicy.
//
// What stands in, and is named so wherever it appears:
//
//   - Identities (identity.go): the workload's and kube-dns's identities
//     are derived from pod labels as the agent derives them, but numbered
//     here; for each toFQDNs selector, the identity Cilium's DNS proxy
//     preallocates for the addresses of the names it selects (one per
//     selector, as tofqdns-preallocate-identities does) stands in for what
//     it learns at run time.
//   - Proxy ports (endpoint.go): DNSProxyPort and EnvoyPort stand in for
//     the ports the agent's proxy allocates for the DNS proxy and Envoy.
//   - The endpoint (endpoint.go): no pod runs, so a StandInEndpoint with
//     the workload's labels and an address plays the Cilium endpoint.
//   - The xDS server (sds.go): SDSSecrets keeps the secrets the agent's SDS
//     syncer hands the xDS server; nothing serves them over gRPC.
//   - Envoy (envoy.go): Go's crypto/tls stands in for Envoy, configured
//     with exactly the NPDS rule and the SDS secrets the agent produced.
//   - The agent pod (daemonset.go): the agent DaemonSet's status counts the
//     in-process agent as its one ready pod, since no kubelet runs here.
//
// Exported pieces Cilium lacks, and what is done instead: the certificate
// manager's configuration type is unexported, so it is built through its
// cell with flags; the Envoy cell's xDS server needs the agent's IP cache
// and endpoint restorer, so SDSSecrets replaces it through cell.Decorate;
// the endpoint's redirect bookkeeping (pkg/endpoint addNewRedirects) is
// unexported, so ComputeView names the redirects with policy.ProxyID as it
// does.
//
// Only the scenarios' test binary imports this package: the sandbox binary
// never links Cilium's agent or operator.
//
// The package builds on Linux only (every file but this one is
// //go:build linux): Cilium's pkg/maps/policymap needs pkg/bpf, whose Map
// exists only on Linux. Elsewhere it is empty, and the scenarios' agent
// tier skips, saying so.
package agent
