package ciliumtls

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// The objects of a running Cilium that say what it can do, as Cilium's Helm
// chart names them in every release 1.16 to 1.20
// (install/kubernetes/cilium/templates: cilium-agent/daemonset.yaml,
// cilium-agent/clusterrole.yaml, cilium-configmap.yaml,
// cilium-envoy/daemonset.yaml, hubble-relay/deployment.yaml).
const (
	// AgentDaemonSet is the agents' DaemonSet, whose cilium-agent container
	// image carries the release.
	AgentDaemonSet = "cilium"
	// AgentContainer is the agent's container in AgentDaemonSet.
	AgentContainer = "cilium-agent"
	// AgentClusterRole is the agent's ClusterRole (1.16's secrets backend
	// shows in it: SecretsBackendVerb on secrets).
	AgentClusterRole = "cilium"
	// ConfigMapName is the agents' configuration, cilium-config.
	ConfigMapName = "cilium-config"
	// EnvoyDaemonSet runs Envoy beside the agents when ConfigExternalEnvoy
	// is "true" (envoy.enabled).
	EnvoyDaemonSet = "cilium-envoy"
	// OperatorDeployment is Cilium's operator, which copies policy secrets
	// under secret sync.
	OperatorDeployment = "cilium-operator"
	// HubbleRelayDeployment serves the cluster's Hubble flows
	// (hubble.relay.enabled).
	HubbleRelayDeployment = "hubble-relay"
)

// cilium-config keys interception depends on besides the secrets mode
// (cilium-configmap.yaml), each with the chart value that writes it.
const (
	// ConfigL7Proxy (l7Proxy): without it no policy port is redirected to
	// Envoy, so TLS is never terminated.
	ConfigL7Proxy = "enable-l7-proxy"
	// ConfigExternalEnvoy (envoy.enabled, through the chart's
	// envoyDaemonSetEnabled helper, which is false without l7Proxy): the
	// agents send redirected connections to EnvoyDaemonSet instead of an
	// Envoy inside the agent.
	ConfigExternalEnvoy = "external-envoy-proxy"
	// ConfigHubble (hubble.enabled): the agents record flows, L7 HTTP flows
	// of the decrypted requests included.
	ConfigHubble = "enable-hubble"
	// ConfigEnvoyXDSMode (envoy.xdsMode, 1.20+): how the agent serves Envoy
	// its configuration, "split", "ads" or "strict-ads"; an agent without
	// the key runs "split" (1.20's values.yaml; row K14 of the table of
	// known bugs).
	ConfigEnvoyXDSMode = "envoy-xds-mode"
)

// AgentImage returns the image of the cilium-agent container of the agents'
// pod spec (the first container's when none has that name).
func AgentImage(spec corev1.PodSpec) string {
	for _, c := range spec.Containers {
		if c.Name == AgentContainer {
			return c.Image
		}
	}
	if len(spec.Containers) > 0 {
		return spec.Containers[0].Image
	}
	return ""
}

// AgentMayGetSecrets reports whether ClusterRole rules let the agent get
// secrets cluster-wide, the one verb 1.16's agent uses on them
// (SecretsBackendVerb): what tls.secretsBackend=k8s grants.
func AgentMayGetSecrets(rules []rbacv1.PolicyRule) bool {
	for _, r := range rules {
		core := slices.Contains(r.APIGroups, "") || slices.Contains(r.APIGroups, "*")
		res := slices.Contains(r.Resources, "secrets") || slices.Contains(r.Resources, "*")
		get := slices.Contains(r.Verbs, SecretsBackendVerb) || slices.Contains(r.Verbs, "*")
		if core && res && get && len(r.ResourceNames) == 0 {
			return true
		}
	}
	return false
}

// UpgradeCommand is the helm command that sets chart values on a running
// Cilium release without upgrading Cilium: pinned to the running version
// (v unset leaves --version out) and keeping every other value.
// releaseName is the Helm release ("cilium" when empty).
func UpgradeCommand(releaseName, namespace string, v versions.Cilium, sets ...string) string {
	if releaseName == "" {
		releaseName = "cilium"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "helm upgrade %s cilium/cilium", releaseName)
	if !v.IsZero() {
		fmt.Fprintf(&b, " --version %s", v)
	}
	fmt.Fprintf(&b, " -n %s --reuse-values", namespace)
	for _, s := range sets {
		b.WriteString(" --set " + s)
	}
	return b.String()
}

// RestartCommand restarts the agents and the operator, which read
// cilium-config only when they start: Cilium's chart does not roll them on
// a configuration change unless rollOutCiliumPods is set.
func RestartCommand(namespace string) string {
	return fmt.Sprintf("kubectl -n %s rollout restart ds/%s deploy/%s", namespace, AgentDaemonSet, OperatorDeployment)
}
