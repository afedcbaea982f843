package doctor

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
)

func checkAgents(e *env) Finding {
	if e.agents == nil {
		return fail(
			fmt.Sprintf("no DaemonSet %s/%s: Cilium is not installed there", e.scope.CiliumNamespace, agentDaemonSet),
			"install Cilium (make sandbox), or pass the namespace Cilium runs in")
	}
	ev := []string{daemonSetEvidence(e.agents), "image " + e.image}
	if !daemonSetReady(e.agents) {
		return fail(
			fmt.Sprintf("%d of %d Cilium agents are ready", e.agents.Status.NumberReady, e.agents.Status.DesiredNumberScheduled),
			fmt.Sprintf("kubectl -n %s describe ds/%s and read the agent logs of the pods that are not ready", e.scope.CiliumNamespace, agentDaemonSet),
			ev...)
	}
	if e.version == nil {
		return warn(fmt.Sprintf("agents ready, but the release could not be read from the image: %v", e.verErr),
			"run a Cilium release from 1.16 to 1.20 with a version tag on its image", ev...)
	}
	return pass(fmt.Sprintf("%d/%d agents ready, Cilium %s", e.agents.Status.NumberReady, e.agents.Status.DesiredNumberScheduled, e.version), ev...)
}

func daemonSetReady(ds *appsv1.DaemonSet) bool {
	s := ds.Status
	return s.DesiredNumberScheduled > 0 && s.NumberReady >= s.DesiredNumberScheduled
}

func daemonSetEvidence(ds *appsv1.DaemonSet) string {
	s := ds.Status
	return fmt.Sprintf("%s: desired %d, ready %d, available %d", ref(string(KindDaemonSet), ds.Namespace, ds.Name),
		s.DesiredNumberScheduled, s.NumberReady, s.NumberAvailable)
}

func checkL7Proxy(e *env) Finding {
	if e.config == nil {
		return fail(fmt.Sprintf("no %s: the agents' configuration is missing", e.configRef()),
			"reinstall Cilium with its Helm chart")
	}
	v, ok := e.configValue("enable-l7-proxy")
	ev := fmt.Sprintf("%s: enable-l7-proxy=%q", e.configRef(), v)
	if !ok || v != "true" {
		return fail("the L7 proxy is disabled: no policy port is redirected to Envoy, so TLS is never terminated",
			e.helmUpgrade("l7Proxy=true"), ev)
	}
	return pass("enable-l7-proxy is true", ev)
}

// secretsMode is where the running agent reads policy secrets from.
type secretsMode struct {
	// AnyNamespace: the agent reads secrets from every namespace itself.
	AnyNamespace bool
	// Namespace: the secrets namespace (1.17+ read-only mode).
	Namespace string
	// Sync: the operator copies referenced secrets into Namespace and the
	// agent serves them to Envoy over SDS (1.17+ read-only with sync).
	Sync bool
	// SDS: the agent gives Envoy the copies by name (Sync with a Namespace);
	// otherwise the secrets go inline in the network policy.
	SDS bool
	// Describe says the mode in words.
	Describe string
	// Evidence are the config keys or RBAC rules the mode was read from.
	Evidence []string
}

// secretsMode derives the mode from the running release: the agent's
// ClusterRole in 1.16 (tls.secretsBackend=k8s grants it get on secrets),
// cilium-config keys in 1.17 and later (ciliumtls.ConfigFrom).
func (e *env) secretsMode() (secretsMode, error) {
	if e.version == nil {
		return secretsMode{}, fmt.Errorf("the Cilium release is unknown (image %q)", e.image)
	}
	if ciliumtls.ModeOf(*e.version) == ciliumtls.ModeK8sBackend {
		return e.secretsMode116()
	}
	c := ciliumtls.ConfigFrom(e.config)
	m := secretsMode{Namespace: c.Namespace, Sync: c.Sync, SDS: c.SDS()}
	m.Evidence = []string{fmt.Sprintf("%s: %s", e.configRef(), c.Evidence(e.config))}
	switch {
	case !c.ReadOnly:
		m.AnyNamespace, m.Namespace = true, ""
		m.Describe = "the agent reads policy secrets from any namespace (tls.readSecretsOnlyFromSecretsNamespace=false)"
	case m.Sync:
		m.Describe = fmt.Sprintf("secrets are synced into %q and served to Envoy over SDS", m.Namespace)
	default:
		m.Describe = fmt.Sprintf("read-only from %q without secret sync: secrets must live in %q", m.Namespace, m.Namespace)
	}
	return m, nil
}

func (e *env) secretsMode116() (secretsMode, error) {
	if r := e.st.missing(KindClusterRole); r != "" {
		return secretsMode{}, fmt.Errorf("1.16's secrets backend is read from the agent's ClusterRole: %s", r)
	}
	cr := e.st.clusterRole(agentDaemonSet)
	if cr == nil {
		return secretsMode{}, fmt.Errorf("no ClusterRole %q for the 1.16 agent", agentDaemonSet)
	}
	m := secretsMode{AnyNamespace: ciliumtls.AgentMayGetSecrets(cr.Rules)}
	m.Evidence = []string{fmt.Sprintf("ClusterRole/%s grants %s on secrets: %t", cr.Name, ciliumtls.SecretsBackendVerb, m.AnyNamespace)}
	if m.AnyNamespace {
		m.Describe = "Cilium 1.16 with tls.secretsBackend=k8s: the agent's ClusterRole may get secrets, so it reads policy secrets from any namespace"
	} else {
		m.Describe = fmt.Sprintf("Cilium 1.16 with tls.secretsBackend=local (the default): the agent looks for each policy secret's files under %s/<namespace>/<name>, then GETs it from the API server, which its ClusterRole does not allow", ciliumtls.CertsDir)
	}
	return m, nil
}

func checkSecretsMode(e *env) Finding {
	m, err := e.secretsMode()
	if err != nil {
		return skip(err.Error())
	}
	if ciliumtls.ModeOf(*e.version) == ciliumtls.ModeNamespaceSync {
		if m.AnyNamespace {
			if cr := e.st.clusterRole(agentDaemonSet); cr != nil && !ciliumtls.AgentMayGetSecrets(cr.Rules) {
				return fail("tls.readSecretsOnlyFromSecretsNamespace is false, but the agent's ClusterRole cannot read secrets: every TLS context fails",
					"let the chart grant it ("+e.helmUpgrade("tls.readSecretsOnlyFromSecretsNamespace=false")+"), or turn read-only mode and secret sync back on, the default",
					append(m.Evidence, fmt.Sprintf("ClusterRole/%s grants %s on secrets: false", cr.Name, ciliumtls.SecretsBackendVerb))...)
			}
		}
		if !m.AnyNamespace && m.Namespace == "" {
			return fail("the agent reads secrets only from the secrets namespace, but cilium-config names none",
				e.helmUpgrade("tls.secretsNamespace.name=cilium-secrets"), m.Evidence...)
		}
		return pass(m.Describe, m.Evidence...)
	}
	if !m.AnyNamespace {
		return fail(m.Describe+", so every TLS context fails and the endpoint keeps its old policy",
			e.helmUpgrade("tls.secretsBackend=k8s"),
			m.Evidence...)
	}
	return pass(m.Describe, m.Evidence...)
}
