package cilium

import (
	"fmt"
	"slices"
	"strings"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// Need is one thing TLS interception needs of a running Cilium.
type Need struct {
	// ID names the need: "agents", "l7-proxy", "envoy", "secrets-backend",
	// "secrets-read-only", "secret-sync", "secrets-namespace", "hubble",
	// "hubble-relay".
	ID string `json:"id"`
	// Title says what is needed, in a few words.
	Title string `json:"title"`
	// Met tells whether the running Cilium has it.
	Met bool `json:"met"`
	// Found is what was read, naming the object and key.
	Found string `json:"found"`
	// Why says what fails without it (set when not Met).
	Why string `json:"why,omitempty"`
	// Set are the Cilium chart values, helm --set syntax, that add it
	// (empty when no value does: agents that are not ready).
	Set []string `json:"set,omitempty"`
}

// Check is a running Cilium judged against what interception needs.
type Check struct {
	Running *Running `json:"running"`
	Needs   []Need   `json:"needs"`
	// Upgrade is the helm command adding every missing setting, pinned to
	// the running release; Restart restarts the agents and operator after
	// it. Both are empty when nothing a value adds is missing.
	Upgrade string `json:"upgrade,omitempty"`
	Restart string `json:"restart,omitempty"`
}

// Missing returns the needs not met.
func (c *Check) Missing() []Need {
	var out []Need
	for _, n := range c.Needs {
		if !n.Met {
			out = append(out, n)
		}
	}
	return out
}

// OK reports whether every need is met.
func (c *Check) OK() bool { return len(c.Missing()) == 0 }

// Summary names the missing needs ("the L7 proxy, Hubble"), or says all is there.
func (c *Check) Summary() string {
	var titles []string
	for _, n := range c.Missing() {
		titles = append(titles, n.Title)
	}
	if len(titles) == 0 {
		return fmt.Sprintf("Cilium %s has what interception needs", c.Running.Release)
	}
	return fmt.Sprintf("Cilium %s lacks %s", c.Running.Release, strings.Join(titles, ", "))
}

// CheckRunning judges r against what interception needs on its release:
// ready agents, the L7 proxy, a running Envoy, the secrets mode the sandbox
// installs (1.16: tls.secretsBackend=k8s; 1.17+: read-only from the secrets
// namespace with secret sync), and Hubble with its relay for visibility.
// The values that add a missing need are those Values sets, so what is
// asked of an existing Cilium is what the sandbox installs.
func CheckRunning(r *Running) *Check {
	c := &Check{Running: r}
	ref := func(key string) string {
		v, ok := r.Config[key]
		if !ok {
			return fmt.Sprintf("%s/%s has no %s", r.Namespace, ciliumtls.ConfigMapName, key)
		}
		return fmt.Sprintf("%s/%s: %s=%q", r.Namespace, ciliumtls.ConfigMapName, key, v)
	}
	l7 := configNeed(r, ciliumtls.ConfigL7Proxy, Need{ID: "l7-proxy", Title: "the L7 proxy",
		Why: "no policy port is redirected to Envoy, and no Envoy runs, so TLS is never terminated", Set: sets(r.Release, "l7Proxy")}, ref)
	c.Needs = append(c.Needs, agentsNeed(r), l7)
	if l7.Met { // without the L7 proxy the chart runs no Envoy at all
		c.Needs = append(c.Needs, envoyNeed(r, ref))
	}
	c.Needs = append(c.Needs, secretsNeeds(r, ref)...)
	c.Needs = append(c.Needs, hubbleNeeds(r, ref)...)
	var set []string
	for _, n := range c.Missing() {
		for _, s := range n.Set {
			if !slices.Contains(set, s) {
				set = append(set, s)
			}
		}
	}
	if len(set) > 0 {
		c.Upgrade = ciliumtls.UpgradeCommand(r.HelmRelease, r.Namespace, r.Release, set...)
		c.Restart = ciliumtls.RestartCommand(r.Namespace)
	}
	return c
}

func agentsNeed(r *Running) Need {
	n := Need{ID: "agents", Title: "ready agents", Met: r.AgentsDesired > 0 && r.AgentsReady >= r.AgentsDesired,
		Found: fmt.Sprintf("DaemonSet %s/%s: %d of %d ready, image %s", r.Namespace, ciliumtls.AgentDaemonSet, r.AgentsReady, r.AgentsDesired, r.Image)}
	if !n.Met {
		n.Why = fmt.Sprintf("agents that are not running enforce no policy (kubectl -n %s describe ds/%s)", r.Namespace, ciliumtls.AgentDaemonSet)
	}
	return n
}

// configNeed is met when cilium-config sets key to "true".
func configNeed(r *Running, key string, n Need, ref func(string) string) Need {
	n.Found = ref(key)
	n.Met = r.Config[key] == "true"
	if n.Met {
		n.Why, n.Set = "", nil
	}
	return n
}

// envoyNeed: with external-envoy-proxy the agents hand redirected
// connections to the cilium-envoy DaemonSet, which must run; otherwise
// Envoy runs inside the agent.
func envoyNeed(r *Running, ref func(string) string) Need {
	n := Need{ID: "envoy", Title: "a running Envoy", Found: ref(ciliumtls.ConfigExternalEnvoy), Met: true}
	if r.Config[ciliumtls.ConfigExternalEnvoy] != "true" {
		n.Found += " (Envoy runs inside the agents)"
		return n
	}
	ds := fmt.Sprintf("DaemonSet %s/%s", r.Namespace, ciliumtls.EnvoyDaemonSet)
	switch {
	case !r.EnvoyDaemonSet:
		n.Met, n.Found = false, n.Found+", no "+ds
		n.Why = "the agents send redirected connections to the Envoy DaemonSet, which does not exist: they have no proxy"
		n.Set = sets(r.Release, "envoy.enabled")
	case !r.EnvoyReady:
		n.Met, n.Found = false, n.Found+", "+ds+" not ready"
		n.Why = fmt.Sprintf("connections redirected on nodes without a ready Envoy fail (kubectl -n %s describe ds/%s)", r.Namespace, ciliumtls.EnvoyDaemonSet)
	default:
		n.Found += ", " + ds + " ready"
	}
	return n
}

// secretsNeeds is the secrets mode of the release (ciliumtls.ModeOf).
func secretsNeeds(r *Running, ref func(string) string) []Need {
	v := r.Release
	if ciliumtls.ModeOf(v) == ciliumtls.ModeK8sBackend {
		n := Need{ID: "secrets-backend", Title: "tls.secretsBackend=k8s", Met: r.AgentGetsSecrets,
			Found: fmt.Sprintf("ClusterRole %s grants %s on secrets: %t", ciliumtls.AgentClusterRole, ciliumtls.SecretsBackendVerb, r.AgentGetsSecrets)}
		if !r.AgentClusterRole {
			n.Found = fmt.Sprintf("no ClusterRole %s", ciliumtls.AgentClusterRole)
		}
		if !n.Met {
			n.Why = fmt.Sprintf("with the default local backend the 1.16 agent looks for policy secrets under %s, then may not GET them from the API server: every TLS context fails and the endpoint keeps its old policy", ciliumtls.CertsDir)
			n.Set = sets(v, "tls.secretsBackend")
		}
		return []Need{n}
	}
	inline := "secrets go to Envoy inline in the network policy, so a renewed certificate is served only once the endpoint's policy is recomputed (cilium/cilium#35513)"
	ro := configNeed(r, ciliumtls.ConfigReadOnly, Need{ID: "secrets-read-only", Title: "secrets read from the secrets namespace",
		Why: "the agent reads policy secrets from any namespace itself; " + inline,
		Set: sets(v, "tls.readSecretsOnlyFromSecretsNamespace", "tls.secretSync.enabled")}, ref)
	if !ro.Met {
		return []Need{ro}
	}
	sync := configNeed(r, ciliumtls.ConfigSync, Need{ID: "secret-sync", Title: "secret sync",
		Why: "without it " + inline, Set: sets(v, "tls.secretSync.enabled")}, ref)
	c := r.Secrets()
	ns := Need{ID: "secrets-namespace", Title: "the secrets namespace", Met: c.Namespace != "" && r.SecretsNamespaceExists, Found: ref(ciliumtls.ConfigNamespace)}
	if !ns.Met {
		ns.Found += ", which does not exist"
		ns.Why = "the operator has no namespace to copy policy secrets into, and the agent none to read them from"
		ns.Set = sets(v, "tls.secretsNamespace.create", "tls.secretsNamespace.name")
	}
	return []Need{ro, sync, ns}
}

// hubbleNeeds: Hubble records the decrypted HTTP requests as L7 flows;
// Hubble Relay serves them for the whole cluster.
func hubbleNeeds(r *Running, ref func(string) string) []Need {
	h := configNeed(r, ciliumtls.ConfigHubble, Need{ID: "hubble", Title: "Hubble",
		Why: "the decrypted requests are recorded as no flow, so interception cannot be observed (hubble observe, the hubble-visibility scenario)",
		Set: sets(r.Release, "hubble.enabled", "hubble.relay.enabled")}, ref)
	if !h.Met {
		return []Need{h}
	}
	relay := Need{ID: "hubble-relay", Title: "Hubble Relay", Met: r.HubbleRelay,
		Found: fmt.Sprintf("Deployment %s/%s exists: %t", r.Namespace, ciliumtls.HubbleRelayDeployment, r.HubbleRelay)}
	if !relay.Met {
		relay.Why = "flows can be read only from each agent, not for the cluster through Hubble Relay, which hubble observe and the hubble-visibility scenario use"
		relay.Set = sets(r.Release, "hubble.relay.enabled")
	}
	return []Need{h, relay}
}

// sets renders the values at paths of Values(v) as helm --set expressions,
// so a fix asks for exactly what the sandbox installs.
func sets(v versions.Cilium, paths ...string) []string {
	vals := Values(v, ValuesInput{})
	out := make([]string, 0, len(paths))
	for _, p := range paths {
		val, ok := lookup(vals, p)
		if !ok {
			panic("cilium: Values has no " + p) // a test covers every path used
		}
		out = append(out, fmt.Sprintf("%s=%v", p, val))
	}
	return out
}

func lookup(m map[string]any, path string) (any, bool) {
	var cur any = m
	for _, k := range strings.Split(path, ".") {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = mm[k]; !ok {
			return nil, false
		}
	}
	return cur, true
}
