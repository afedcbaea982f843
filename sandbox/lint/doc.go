// Package lint runs the project's validators on any manifests, as a user
// writes them: every CiliumNetworkPolicy through Cilium's own Parse and
// Sanitize (Cilium 1.20's Go code, with what the chosen release accepts
// beyond it: serverNames wildcards, "**." patterns, the secrets mode), every
// object of Cilium's, cert-manager's and trust-manager's CRDs against the
// CRD's schema, and the cross-object checks of sandbox/validate: policy
// secrets made where the release's secrets mode reads them with the keys
// their TLS context needs, SANs covering the intercepted names, a DNS rule
// next to each toFQDNs, an http rule where Envoy should parse HTTP,
// selectors matching the workloads, issuers resolving.
//
// The Report has the doctor's shape: one finding per problem, each failed,
// warned or assumed (what the manifests refer to but do not hold, a Secret
// made elsewhere, is an assumption, not a failure), and the first failure
// as the root cause with its fix.
package lint
