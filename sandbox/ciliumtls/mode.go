package ciliumtls

import (
	"fmt"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// SecretsNamespace is the namespace Cilium reads policy secrets from by
// default (tls.secretsNamespace.name), and where its operator writes the
// copies under secret sync.
const SecretsNamespace = "cilium-secrets"

// Mode is how a release's agent finds the TLS secrets a policy names.
type Mode string

const (
	// ModeK8sBackend (1.16): the agent first tries files under CertsDir, then
	// GETs the secret from the API server (pkg/crypto/certificatemanager).
	// There is no agent-side secrets backend: tls.secretsBackend=k8s only
	// grants the agent's ClusterRole "get" on secrets; with the default
	// "local" that GET is refused.
	ModeK8sBackend Mode = "k8s-backend"
	// ModeNamespaceSync (1.17+): with tls.readSecretsOnlyFromSecretsNamespace
	// the agent reads secrets only from the secrets namespace; with
	// tls.secretSync.enabled as well, the operator copies the policies'
	// secrets there and the agent serves them to Envoy over SDS.
	ModeNamespaceSync Mode = "secrets-namespace-sync"
)

// ModeOf returns how the agent of release v reads policy secrets: the
// agent reads them itself while row K6 (versions.InlineSecrets) holds.
func ModeOf(v versions.Cilium) Mode {
	if versions.Affected(versions.InlineSecrets, v) {
		return ModeK8sBackend
	}
	return ModeNamespaceSync
}

// CertsDir is where the agent looks for a policy secret's files first
// (<CertsDir>/<namespace>/<name>/<key>) before reading it from the API
// server, in every release (pkg/crypto/certificatemanager).
const CertsDir = "/var/run/cilium/certs"

// SecretsBackendVerb is the one verb on secrets that tls.secretsBackend=k8s
// grants Cilium 1.16's agent (install/kubernetes/cilium/templates/
// cilium-agent/clusterrole.yaml): the agent GETs each policy secret, and
// needs nothing else.
const SecretsBackendVerb = "get"

// The cilium-config keys of the 1.17+ secrets mode: the agent's flags of
// the same names (pkg/crypto/certificatemanager, pkg/envoy/config).
const (
	ConfigReadOnly  = "policy-secrets-only-from-secrets-namespace"
	ConfigNamespace = "policy-secrets-namespace"
	ConfigSync      = "enable-policy-secrets-sync"
	// ConfigFullTLSContext is the deprecated agent flag that sends ca.crt
	// of a terminating secret to Envoy (cilium/cilium#31903).
	ConfigFullTLSContext = "use-full-tls-context"
)

// Config is the 1.17+ secrets mode as cilium-config sets it.
type Config struct {
	// ReadOnly: the agent reads policy secrets only from Namespace.
	ReadOnly bool
	// Sync: the operator copies policy secrets into Namespace and the agent
	// serves them to Envoy over SDS. Cilium does this only with ReadOnly.
	Sync bool
	// Namespace is the secrets namespace ("" when cilium-config names none).
	Namespace string
}

// ConfigFrom reads the secrets mode of a 1.17+ agent from cilium-config's data.
func ConfigFrom(data map[string]string) Config {
	c := Config{ReadOnly: data[ConfigReadOnly] == "true", Namespace: data[ConfigNamespace]}
	c.Sync = c.ReadOnly && data[ConfigSync] == "true"
	return c
}

// Evidence is the cilium-config line the mode was read from.
func (c Config) Evidence(data map[string]string) string {
	return fmt.Sprintf("%s=%q %s=%q %s=%q", ConfigReadOnly, data[ConfigReadOnly], ConfigNamespace, data[ConfigNamespace], ConfigSync, data[ConfigSync])
}

// SDS reports whether the agent gives Envoy secrets over SDS by name rather
// than inline in the network policy (pkg/envoy toEnvoy*TLSContext).
func (c Config) SDS() bool { return c.Sync && c.Namespace != "" }

// OperatorCopies reports whether Cilium's operator copies a policy secret
// from namespace ns into the secrets namespace under sync: it watches and
// copies only secrets outside that namespace (operator/pkg/secretsync,
// notInSecretsNamespace), so a secret already inside it is not copied when
// it is written or renewed.
func OperatorCopies(secretsNamespace, ns string) bool {
	return ns != "" && ns != secretsNamespace
}

// FullTLSContextApplies reports whether use-full-tls-context changes what
// Envoy gets for a terminating secret: only when secrets go inline. Under
// SDS the agent sends only the copy's name and ignores the flag
// (pkg/envoy/model.go toEnvoyTerminatingTLSContext, 1.20).
func FullTLSContextApplies(sds bool) bool { return !sds }
