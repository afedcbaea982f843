package doctor

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
	"github.com/cilium-tls-intercept/sandbox/sandbox/hubble"
	"github.com/cilium-tls-intercept/sandbox/sandbox/kubeconfig"
	"github.com/cilium-tls-intercept/sandbox/sandbox/podexec"
	"github.com/cilium-tls-intercept/sandbox/sandbox/resources"
)

// customResource is a resource the live source reads through the dynamic
// client.
type customResource struct {
	gvr        schema.GroupVersionResource
	kind       Kind
	listKind   string
	apiVersion string
	// workloadOnly lists only the workload namespace; otherwise all.
	workloadOnly bool
}

// customResources lists the Cilium and cert-manager resources the live
// source reads.
func customResources() []customResource {
	return []customResource{
		{resources.CiliumNetworkPolicies(), KindPolicy, "CiliumNetworkPolicyList", "cilium.io/v2", true},
		{resources.CiliumClusterwideNetworkPolicies(), KindClusterPolicy, "CiliumClusterwideNetworkPolicyList", "cilium.io/v2", false},
		{resources.CiliumEndpoints(), KindCiliumEndpoint, "CiliumEndpointList", "cilium.io/v2", true},
		{resources.Certificates(), KindCertificate, "CertificateList", "cert-manager.io/v1", false},
		{resources.Bundles(), KindBundle, "BundleList", "trust.cert-manager.io/v1alpha1", false},
	}
}

// DefaultLogTail is how many lines of each agent's log the live source reads.
const DefaultLogTail = 2000

// LiveSource reads a State from a cluster: typed objects through the
// clientset, Cilium and cert-manager resources through the dynamic client,
// the tail of each Cilium agent's log, and for the data-path checks what
// cilium-dbg answers in the agents and Hubble Relay's flows.
type LiveSource struct {
	// Clientset reads core, apps and RBAC objects and pod logs.
	Clientset kubernetes.Interface
	// Dynamic reads CiliumNetworkPolicies, CiliumEndpoints and Certificates.
	Dynamic dynamic.Interface
	// Name describes the cluster in the report, for example its context.
	Name string
	// LogTail is the number of log lines read per agent; 0 means
	// DefaultLogTail.
	LogTail int64
	// Exec runs cilium-dbg in the agent pods and Flows reads Hubble
	// Relay, for the data-path checks; nil leaves those checks unread.
	Exec  podexec.Execer
	Flows FlowReader
	// Logs reads pod logs; nil reads them through Clientset.
	Logs PodLogReader
}

// PodLogReader reads the last lines of a container's log.
type PodLogReader interface {
	Log(ctx context.Context, pod corev1.Pod, container string, tail int64) (string, error)
}

// NewLiveSource builds a LiveSource from a kubeconfig file; an empty path
// uses client-go's default loading rules ($KUBECONFIG, else ~/.kube/config,
// both looked up when called).
func NewLiveSource(kubeconfigPath string) (*LiveSource, error) {
	k, err := kubeconfig.Open(kubeconfigPath, "")
	if errors.Is(err, kubeconfig.ErrNone) {
		return nil, fmt.Errorf("%w, or --from a dump directory", err)
	}
	if err != nil {
		return nil, err
	}
	name := k.REST.Host
	if k.Context != "" {
		name = k.Context + " (" + k.REST.Host + ")"
	}
	return NewLiveSourceForConfig(k.REST, name)
}

// NewLiveSourceForConfig builds a LiveSource from a REST config, for
// callers that already hold one (the scenarios' environment); name
// describes the cluster in the report.
func NewLiveSourceForConfig(cfg *rest.Config, name string) (*LiveSource, error) {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("kubernetes client: %w", err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("dynamic client: %w", err)
	}
	exec, err := podexec.NewPodExecer(cfg)
	if err != nil {
		return nil, err
	}
	return &LiveSource{Clientset: cs, Dynamic: dyn, Name: name, Exec: exec, Flows: hubble.RelayReader{Config: cfg}}, nil
}

// Gather implements Source. Kinds the cluster does not serve (a CRD not
// installed) or the user may not read are recorded as missing; any other
// API error means the doctor could not run.
func (l *LiveSource) Gather(ctx context.Context, scope Scope) (*State, error) {
	scope = scope.withDefaults()
	st := &State{Source: "cluster " + l.Name}
	steps := []func(context.Context, *State, Scope) error{
		l.gatherCore, l.gatherNodes, l.gatherCustom, l.gatherSecrets, l.gatherSyncedSecrets, l.gatherLogs, l.gatherEnvoyLogs, l.gatherDatapath,
	}
	for _, step := range steps {
		if err := step(ctx, st, scope); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// tolerate records err as a missing kind when the API says the kind is not
// served or not readable, and returns other errors.
func tolerate(st *State, kind Kind, what string, err error) error {
	switch {
	case err == nil:
		return nil
	case apierrors.IsNotFound(err):
		st.markMissing(kind, fmt.Sprintf("the cluster does not serve %s (%v)", kind, err))
		return nil
	case apierrors.IsForbidden(err):
		st.markMissing(kind, fmt.Sprintf("not allowed to read %s: %v", what, err))
		return nil
	}
	return fmt.Errorf("read %s: %w", what, err)
}

func (l *LiveSource) gatherCore(ctx context.Context, st *State, scope Scope) error {
	cs := l.Clientset
	namespaces := []string{scope.CiliumNamespace}
	if scope.WorkloadNamespace != scope.CiliumNamespace {
		namespaces = append(namespaces, scope.WorkloadNamespace)
	}
	for _, ns := range namespaces {
		cms, err := cs.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{})
		if err := tolerate(st, KindConfigMap, "configmaps in "+ns, err); err != nil {
			return err
		} else if cms != nil {
			st.ConfigMaps = append(st.ConfigMaps, cms.Items...)
		}
		pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err := tolerate(st, KindPod, "pods in "+ns, err); err != nil {
			return err
		} else if pods != nil {
			st.Pods = append(st.Pods, pods.Items...)
		}
	}
	dss, err := cs.AppsV1().DaemonSets(scope.CiliumNamespace).List(ctx, metav1.ListOptions{})
	if err := tolerate(st, KindDaemonSet, "daemonsets in "+scope.CiliumNamespace, err); err != nil {
		return err
	} else if dss != nil {
		st.DaemonSets = dss.Items
	}
	cr, err := cs.RbacV1().ClusterRoles().Get(ctx, agentDaemonSet, metav1.GetOptions{})
	switch {
	case err == nil:
		st.ClusterRoles = append(st.ClusterRoles, *cr)
	case apierrors.IsNotFound(err):
	default:
		return tolerate(st, KindClusterRole, "clusterrole "+agentDaemonSet, err)
	}
	return nil
}

func (l *LiveSource) gatherCustom(ctx context.Context, st *State, scope Scope) error {
	for _, r := range customResources() {
		var ri dynamic.ResourceInterface = l.Dynamic.Resource(r.gvr)
		if r.workloadOnly {
			ri = l.Dynamic.Resource(r.gvr).Namespace(scope.WorkloadNamespace)
		}
		list, err := ri.List(ctx, metav1.ListOptions{})
		if err != nil {
			if err := tolerate(st, r.kind, r.gvr.Resource, err); err != nil {
				return err
			}
			continue
		}
		for i := range list.Items {
			u := &list.Items[i]
			u.SetKind(string(r.kind))
			u.SetAPIVersion(r.apiVersion)
			if err := st.addObject(u); err != nil {
				return fmt.Errorf("decode %s %s: %w", r.kind, objectName(u), err)
			}
		}
	}
	return nil
}

// gatherSecrets reads only the secrets the policies name: TLS contexts'
// and headers' (headerRefs).
func (l *LiveSource) gatherSecrets(ctx context.Context, st *State, _ Scope) error {
	var refs []secretRef
	refs = append(refs, secretRefs(st.tlsPorts())...)
	for _, h := range st.headerRefs() {
		refs = append(refs, secretRef{Namespace: h.Namespace, Name: h.Name})
	}
	for _, r := range refs {
		if r.Namespace == "" || st.secret(r.Namespace, r.Name) != nil {
			continue
		}
		s, err := l.Clientset.CoreV1().Secrets(r.Namespace).Get(ctx, r.Name, metav1.GetOptions{})
		switch {
		case err == nil:
			st.Secrets = append(st.Secrets, *s)
		case apierrors.IsNotFound(err):
		default:
			if err := tolerate(st, KindSecret, "secret "+r.String(), err); err != nil {
				return err
			}
		}
	}
	return nil
}

// gatherSyncedSecrets reads, when cilium-config turns secret sync on, the
// copies Cilium's operator made in the secrets namespace (by their
// owning-secret label, so no other secret there is read).
func (l *LiveSource) gatherSyncedSecrets(ctx context.Context, st *State, scope Scope) error {
	ns := syncedSecretsNamespace(st, scope)
	if ns == "" {
		st.markMissing(KindSyncedSecret, "cilium-config does not turn secret sync on: there are no copies to read")
		return nil
	}
	list, err := l.Clientset.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{LabelSelector: ciliumtls.OwningSecretNameLabel})
	if err := tolerate(st, KindSyncedSecret, "secrets in "+ns, err); err != nil || list == nil {
		return err
	}
	st.SyncedSecrets = append(st.SyncedSecrets, list.Items...)
	return nil
}

// syncedSecretsNamespace returns the secrets namespace when cilium-config
// turns on read-only mode with secret sync, else "".
func syncedSecretsNamespace(st *State, scope Scope) string {
	cm := st.configMap(scope.CiliumNamespace, ciliumConfig)
	if cm == nil || cm.Data["policy-secrets-only-from-secrets-namespace"] != "true" || cm.Data["enable-policy-secrets-sync"] != "true" {
		return ""
	}
	return cm.Data["policy-secrets-namespace"]
}
