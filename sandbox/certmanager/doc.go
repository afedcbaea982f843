// Package certmanager knows how the sandbox installs cert-manager and
// trust-manager: their chart sources, Helm values (CRDs, the NameConstraints
// feature gate the interception CA uses, trust-manager's secret targets for
// the upstream trust bundle) and readiness that proves each webhook answers
// (a server-side dry-run create succeeds), not only that its Deployment is
// Available (cert-manager issues 2908 and 4155).
package certmanager
