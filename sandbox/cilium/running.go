package cilium

import (
	"context"
	"errors"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// ErrNotRunning means the namespace has no Cilium agent DaemonSet: the
// cluster does not run Cilium there, and the sandbox never installs it on a
// cluster it did not create.
var ErrNotRunning = errors.New("cilium is not running")

// helmReleaseAnnotation is the annotation Helm puts on every object it
// installs, naming the release.
const helmReleaseAnnotation = "meta.helm.sh/release-name"

// Running is what a cluster's Cilium runs, read from its own objects.
type Running struct {
	// Namespace is where the agents and cilium-config are.
	Namespace string `json:"namespace"`
	// Release is read from the agent image's tag.
	Release versions.Cilium `json:"-"`
	// Version is Release as text, for readers of JSON.
	Version string `json:"version"`
	// Image is the cilium-agent container's image.
	Image string `json:"image"`
	// HelmRelease is the Helm release the agents belong to ("" when Cilium
	// was not installed with Helm).
	HelmRelease string `json:"helmRelease,omitempty"`
	// AgentsDesired and AgentsReady are the agent DaemonSet's status.
	AgentsDesired int32 `json:"agentsDesired"`
	AgentsReady   int32 `json:"agentsReady"`
	// Config is cilium-config's data (nil when there is none).
	Config map[string]string `json:"-"`
	// AgentClusterRole tells whether the agent's ClusterRole exists, and
	// AgentGetsSecrets whether it grants get on secrets (1.16's secrets
	// backend).
	AgentClusterRole bool `json:"agentClusterRole"`
	AgentGetsSecrets bool `json:"agentGetsSecrets"`
	// EnvoyDaemonSet tells whether the cilium-envoy DaemonSet exists, and
	// EnvoyReady whether all its pods are ready.
	EnvoyDaemonSet bool `json:"envoyDaemonSet"`
	EnvoyReady     bool `json:"envoyReady"`
	// HubbleRelay tells whether the hubble-relay Deployment exists.
	HubbleRelay bool `json:"hubbleRelay"`
	// SecretsNamespaceExists tells whether the secrets namespace cilium-config
	// names (1.17+ read-only mode) exists.
	SecretsNamespaceExists bool `json:"secretsNamespaceExists"`
}

// Secrets is the 1.17+ secrets mode cilium-config sets.
func (r *Running) Secrets() ciliumtls.Config { return ciliumtls.ConfigFrom(r.Config) }

// ReadRunning reads the Cilium running in namespace: the agent DaemonSet
// (its image gives the release), cilium-config, the agent's ClusterRole, the
// Envoy DaemonSet, Hubble Relay and the secrets namespace. It fails with
// ErrNotRunning when there is no agent DaemonSet, and when the release
// cannot be read from the image.
func ReadRunning(ctx context.Context, kube kubernetes.Interface, namespace string) (*Running, error) {
	ds, err := kube.AppsV1().DaemonSets(namespace).Get(ctx, ciliumtls.AgentDaemonSet, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("%w: no DaemonSet %s/%s (pass --cilium-namespace if Cilium runs elsewhere; the sandbox installs Cilium only on clusters it creates)",
			ErrNotRunning, namespace, ciliumtls.AgentDaemonSet)
	}
	if err != nil {
		return nil, fmt.Errorf("read DaemonSet %s/%s: %w", namespace, ciliumtls.AgentDaemonSet, err)
	}
	r := &Running{Namespace: namespace, Image: ciliumtls.AgentImage(ds.Spec.Template.Spec),
		HelmRelease:   ds.Annotations[helmReleaseAnnotation],
		AgentsDesired: ds.Status.DesiredNumberScheduled, AgentsReady: ds.Status.NumberReady}
	if r.Release, err = versions.CiliumFromImage(r.Image); err != nil {
		return nil, fmt.Errorf("the Cilium release of DaemonSet %s/%s: %w", namespace, ciliumtls.AgentDaemonSet, err)
	}
	r.Version = r.Release.String()
	for _, read := range []func(context.Context, kubernetes.Interface, *Running) error{readConfig, readClusterRole, readEnvoy, readRelay, readSecretsNamespace} {
		if err := read(ctx, kube, r); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func readConfig(ctx context.Context, kube kubernetes.Interface, r *Running) error {
	cm, err := kube.CoreV1().ConfigMaps(r.Namespace).Get(ctx, ciliumtls.ConfigMapName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read ConfigMap %s/%s: %w", r.Namespace, ciliumtls.ConfigMapName, err)
	}
	r.Config = cm.Data
	if r.Config == nil {
		r.Config = map[string]string{}
	}
	return nil
}

func readClusterRole(ctx context.Context, kube kubernetes.Interface, r *Running) error {
	cr, err := kube.RbacV1().ClusterRoles().Get(ctx, ciliumtls.AgentClusterRole, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read ClusterRole %s: %w", ciliumtls.AgentClusterRole, err)
	}
	r.AgentClusterRole, r.AgentGetsSecrets = true, ciliumtls.AgentMayGetSecrets(cr.Rules)
	return nil
}

func readEnvoy(ctx context.Context, kube kubernetes.Interface, r *Running) error {
	ds, err := kube.AppsV1().DaemonSets(r.Namespace).Get(ctx, ciliumtls.EnvoyDaemonSet, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read DaemonSet %s/%s: %w", r.Namespace, ciliumtls.EnvoyDaemonSet, err)
	}
	r.EnvoyDaemonSet, r.EnvoyReady = true, daemonSetReady(ds)
	return nil
}

func readRelay(ctx context.Context, kube kubernetes.Interface, r *Running) error {
	_, err := kube.AppsV1().Deployments(r.Namespace).Get(ctx, ciliumtls.HubbleRelayDeployment, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read Deployment %s/%s: %w", r.Namespace, ciliumtls.HubbleRelayDeployment, err)
	}
	r.HubbleRelay = true
	return nil
}

func readSecretsNamespace(ctx context.Context, kube kubernetes.Interface, r *Running) error {
	ns := r.Secrets().Namespace
	if ns == "" {
		return nil
	}
	_, err := kube.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read Namespace %s: %w", ns, err)
	}
	r.SecretsNamespaceExists = true
	return nil
}

func daemonSetReady(ds *appsv1.DaemonSet) bool {
	s := ds.Status
	return s.DesiredNumberScheduled > 0 && s.NumberReady >= s.DesiredNumberScheduled
}
