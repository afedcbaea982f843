package certmanager

import (
	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
	"github.com/cilium-tls-intercept/sandbox/sandbox/release"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// Where cert-manager and trust-manager are installed.
const (
	// ChartRepo is Jetstack's chart repository, which serves both charts.
	ChartRepo = "https://charts.jetstack.io"
	// Namespace is cert-manager's namespace, also trust-manager's trust
	// namespace and where the interception chart keeps its CA secret.
	Namespace = "cert-manager"
	// CertManagerRelease and TrustManagerRelease are the Helm release names.
	CertManagerRelease  = "cert-manager"
	TrustManagerRelease = "trust-manager"
)

// UpstreamTrustSecret is the cilium-tls-intercept chart's default
// upstreamTrust.secretName: the Secret (key ca.crt, in the Cilium secrets
// namespace) trust-manager writes the upstream trust bundle to. A test keeps
// it equal to the chart's values.yaml.
const UpstreamTrustSecret = intercept.UpstreamTrustSecret

// trustPackageTag is the tag of trust-manager v0.24.0's default CA package
// image (trust-pkg-debian-trixie), stamped into the released chart.
const trustPackageTag = "20250419.1"

// CertManagerChart is where the cert-manager chart comes from.
func CertManagerChart() release.Source {
	return release.Source{
		Name: "cert-manager", Repo: ChartRepo, Version: versions.CertManager,
		Module: &release.ModuleChart{Path: "github.com/cert-manager/cert-manager", Version: versions.CertManager,
			Dir: "deploy/charts/cert-manager", StampVersion: true},
	}
}

// TrustManagerChart is where the trust-manager chart comes from.
func TrustManagerChart() release.Source {
	return release.Source{
		Name: "trust-manager", Repo: ChartRepo, Version: versions.TrustManager,
		Module: &release.ModuleChart{Path: "github.com/cert-manager/trust-manager", Version: versions.TrustManager,
			Dir: "deploy/charts/trust-manager", StampVersion: true,
			// make/00_mod.mk stamps the Debian trust package image tag,
			// DEBIAN_TRIXIE_BUNDLE_VERSION in make/00_debian_trixie_version.mk.
			ReleaseValues: map[string]any{"defaultPackageImage": map[string]any{"_defaultReference": ":" + trustPackageTag}}},
	}
}

// CertManagerValues are cert-manager's Helm values. NameConstraints is Beta
// and on by default in v1.21 (controller and webhook); it is set explicitly
// because the interception CA depends on it and older defaults differ.
// The startupapicheck post-install hook is off: it is a Job whose pod can
// start only once Cilium is the CNI, installed concurrently, so Helm would
// hold the install (and fail it after its timeout on a slow machine) for
// what WaitCertManager proves anyway with a dry-run create.
func CertManagerValues() map[string]any {
	return map[string]any{
		"crds":            map[string]any{"enabled": true},
		"startupapicheck": map[string]any{"enabled": false},
		"featureGates":    "NameConstraints=true",
		"webhook":         map[string]any{"featureGates": "NameConstraints=true"},
	}
}

// TrustManagerValues are trust-manager's Helm values: secret targets on and
// limited to the named Secrets (the upstream trust bundle), trust namespace
// cert-manager's.
func TrustManagerValues(secretNames ...string) map[string]any {
	if len(secretNames) == 0 {
		secretNames = []string{UpstreamTrustSecret}
	}
	names := make([]any, len(secretNames))
	for i, n := range secretNames {
		names[i] = n
	}
	return map[string]any{
		"crds": map[string]any{"enabled": true},
		"app":  map[string]any{"trust": map[string]any{"namespace": Namespace}},
		"secretTargets": map[string]any{
			"enabled":           true,
			"authorizedSecrets": names,
		},
	}
}
