// Package agent is `sandbox lint --agent`: the user's manifests run through
// a Cilium release's own operator and agent code (in a helper built for that
// release, package ciliumrun), showing what the release makes of them: each
// policy's parse and sanitize verdict, the operator's copies of the policy
// secrets, and for each workload the policy the agent computes, its
// policy-map entries, the NPDS resource, the Envoy listener and the SDS
// secrets Envoy would be given. With a second release it shows what
// differs.
//
// What the manifests refer to but do not hold is stood in for and said so:
// the Secrets cert-manager would write for the Certificates and
// trust-manager for the Bundles (with keys, and values made here), the DNS
// answers (one distinct address per name unless --resolve gives them), and
// the cluster's configuration (Cilium's own chart rendered with the
// sandbox's values unless --cilium-config gives the cluster's).
package agent
