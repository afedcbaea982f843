// Package intercept renders the cilium-tls-intercept chart (embedded in the
// binary) for a Cilium release: the CiliumNetworkPolicies that terminate and
// re-originate TLS for the intercepted domain groups, the cert-manager CA
// and leaf certificates, the trust-manager bundles and the test workload.
//
// Values are given the way Helm takes them (values files, --set, a map) and
// are checked before anything is applied: values.schema.json rejects unknown
// keys and malformed names, the chart's templates reject combinations that
// Cilium or cert-manager would refuse or silently ignore. Such failures wrap
// ErrInvalidValues and name the bad value.
package intercept
