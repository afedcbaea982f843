package versions

// Versions of the components the sandbox installs next to Cilium. The Go
// modules of the same versions provide the CRDs the offline tests validate
// against, so bump them together with go.mod.
const (
	// CertManager is the cert-manager chart and image version.
	CertManager = "v1.21.2"
	// TrustManager is the trust-manager chart and image version.
	TrustManager = "v0.24.0"
)
