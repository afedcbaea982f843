package versions

// ServerNameWildcards says which wildcards a release accepts in a policy's
// serverNames (cilium/cilium#43674).
type ServerNameWildcards string

const (
	// ServerNameWildcardsNone: exact names only (1.16, 1.17).
	ServerNameWildcardsNone ServerNameWildcards = "none"
	// ServerNameWildcardsPrefix: only a leading "*." or "**." (1.18, 1.19).
	ServerNameWildcardsPrefix ServerNameWildcards = "prefix"
	// ServerNameWildcardsAnywhere: "*" anywhere in the name (1.20 and later).
	ServerNameWildcardsAnywhere ServerNameWildcards = "anywhere"
)

// SecretsMode is how a release's agent finds the TLS secrets a policy names.
type SecretsMode string

const (
	// SecretsModeK8sBackend (1.16): the agent reads secrets from the API
	// server only with tls.secretsBackend=k8s; the default "local" reads files.
	SecretsModeK8sBackend SecretsMode = "k8s-backend"
	// SecretsModeNamespaceSync (1.17+): secrets are read only from the
	// secrets namespace (cilium-secrets) and synced to Envoy over SDS.
	SecretsModeNamespaceSync SecretsMode = "secrets-namespace-sync"
)

// SecretsNamespace is the namespace Cilium reads policy secrets from by default.
const SecretsNamespace = "cilium-secrets"

// ServerNameWildcards returns the serverNames wildcard support of v.
func (v Cilium) ServerNameWildcards() ServerNameWildcards {
	switch {
	case v.AtLeast(20):
		return ServerNameWildcardsAnywhere
	case v.AtLeast(18):
		return ServerNameWildcardsPrefix
	default:
		return ServerNameWildcardsNone
	}
}

// DoubleStarPatterns reports whether toFQDNs matchPattern accepts "**."
// (any depth of labels), added in 1.19 (cilium/cilium#43420).
func (v Cilium) DoubleStarPatterns() bool { return v.AtLeast(19) }

// SecretsMode returns how the agent of v reads policy secrets.
func (v Cilium) SecretsMode() SecretsMode {
	if v.AtLeast(17) {
		return SecretsModeNamespaceSync
	}
	return SecretsModeK8sBackend
}
