package ciliumstate

import "github.com/cilium-tls-intercept/sandbox/sandbox/versions"

// Lack is a Cilium installed with the sandbox's values but one setting.
type Lack struct {
	// Release is the Cilium release.
	Release versions.Cilium
	// Over are the values changed from the sandbox's (Values).
	Over map[string]any
	// Missing is the need cilium.CheckRunning must name.
	Missing string
	// Set is the part of the helm upgrade line that adds it back.
	Set string
}

// Lacking is one Cilium per supported minor, each lacking one setting
// interception needs: 1.16 the k8s secrets backend, 1.17 secret sync, 1.18
// the L7 proxy, 1.19 Hubble, 1.20 read-only secrets from the secrets
// namespace.
func Lacking() []Lack {
	r := versions.MustParseCilium
	return []Lack{
		{r("1.16"), map[string]any{"tls": map[string]any{"secretsBackend": "local"}}, "secrets-backend",
			"--set tls.secretsBackend=k8s"},
		{r("1.17"), map[string]any{"tls": map[string]any{"secretSync": map[string]any{"enabled": false}}}, "secret-sync",
			"--set tls.secretSync.enabled=true"},
		{r("1.18"), map[string]any{"l7Proxy": false}, "l7-proxy",
			"--set l7Proxy=true"},
		// Cilium's chart refuses Hubble Relay without Hubble.
		{r("1.19"), map[string]any{"hubble": map[string]any{"enabled": false, "relay": map[string]any{"enabled": false}}}, "hubble",
			"--set hubble.enabled=true --set hubble.relay.enabled=true"},
		{r("1.20"), map[string]any{"tls": map[string]any{"readSecretsOnlyFromSecretsNamespace": false}}, "secrets-read-only",
			"--set tls.readSecretsOnlyFromSecretsNamespace=true --set tls.secretSync.enabled=true"},
	}
}
