package doctor

import (
	"context"
	"fmt"
	"sort"
	"strings"

	cmv1 "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	trustapi "github.com/cert-manager/trust-manager/pkg/apis/trust/v1alpha1"
	flowpb "github.com/cilium/cilium/api/v1/flow"
	ciliumv2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
)

// Kind names a kind of object the checks read.
type Kind string

// The kinds a State holds.
const (
	KindConfigMap      Kind = "ConfigMap"
	KindDaemonSet      Kind = "DaemonSet"
	KindPod            Kind = "Pod"
	KindSecret         Kind = "Secret"
	KindSyncedSecret   Kind = "synced Secret"
	KindClusterRole    Kind = "ClusterRole"
	KindPolicy         Kind = "CiliumNetworkPolicy"
	KindClusterPolicy  Kind = "CiliumClusterwideNetworkPolicy"
	KindCiliumEndpoint Kind = "CiliumEndpoint"
	KindCertificate    Kind = "Certificate"
	KindAgentLog       Kind = "agent log"
	// KindNode is the nodes the workload's pods run on; KindBundle
	// trust-manager's Bundles; KindEnvoyLog the logs of the Envoy pods
	// (cilium-envoy) on the workload's nodes.
	KindNode     Kind = "Node"
	KindBundle   Kind = "Bundle"
	KindEnvoyLog Kind = "Envoy log"
)

// Scope says where the checks look.
type Scope struct {
	// CiliumNamespace holds the agents, cilium-config and cilium-envoy
	// (default kube-system).
	CiliumNamespace string
	// WorkloadNamespace holds the intercepted pods and their policies
	// (default intercept-workload).
	WorkloadNamespace string
}

// Defaults of Scope.
const (
	DefaultCiliumNamespace   = "kube-system"
	DefaultWorkloadNamespace = "intercept-workload"
)

func (s Scope) withDefaults() Scope {
	if s.CiliumNamespace == "" {
		s.CiliumNamespace = DefaultCiliumNamespace
	}
	if s.WorkloadNamespace == "" {
		s.WorkloadNamespace = DefaultWorkloadNamespace
	}
	return s
}

// Source gathers the objects the checks read.
type Source interface {
	// Gather reads a State; an error means the doctor could not run.
	Gather(ctx context.Context, scope Scope) (*State, error)
}

// AgentLog is the log of one Cilium agent pod.
type AgentLog struct {
	Pod  string
	Text string
}

// State is a snapshot of the objects that decide whether interception is
// active. Kinds that could not be read are in Missing with the reason, so
// the checks that need them skip instead of failing.
type State struct {
	// Source describes where the state came from.
	Source string

	ConfigMaps []corev1.ConfigMap
	DaemonSets []appsv1.DaemonSet
	Pods       []corev1.Pod
	Secrets    []corev1.Secret
	// SyncedSecrets are Cilium's operator's copies of policy secrets in
	// the secrets namespace (labelled with ciliumtls.OwningSecretNameLabel).
	SyncedSecrets   []corev1.Secret
	ClusterRoles    []rbacv1.ClusterRole
	Policies        []ciliumv2.CiliumNetworkPolicy
	ClusterPolicies []ciliumv2.CiliumClusterwideNetworkPolicy
	Endpoints       []ciliumv2.CiliumEndpoint
	Certificates    []cmv1.Certificate
	AgentLogs       []AgentLog
	Nodes           []corev1.Node
	Bundles         []trustapi.Bundle
	// EnvoyLogs are the logs of the cilium-envoy pods (an agent that runs
	// Envoy itself logs Envoy's lines in AgentLogs).
	EnvoyLogs []AgentLog
	// AgentOutputs and Flows are the data path as the agent on the
	// workload's node realized it and as Hubble Relay saw it.
	AgentOutputs []AgentOutput
	Flows        []*flowpb.Flow

	// Missing maps each kind that could not be read to the reason.
	Missing map[Kind]string
}

// markMissing records that kind could not be read.
func (s *State) markMissing(kind Kind, reason string) {
	if s.Missing == nil {
		s.Missing = map[Kind]string{}
	}
	s.Missing[kind] = reason
}

// missing returns the reason the first missing kind of kinds is missing, or "".
func (s *State) missing(kinds ...Kind) string {
	for _, k := range kinds {
		if r, ok := s.Missing[k]; ok {
			return r
		}
	}
	return ""
}

// MissingKinds lists the missing kinds, sorted.
func (s *State) MissingKinds() []Kind {
	out := make([]Kind, 0, len(s.Missing))
	for k := range s.Missing {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func (s *State) configMap(ns, name string) *corev1.ConfigMap {
	for i := range s.ConfigMaps {
		if s.ConfigMaps[i].Namespace == ns && s.ConfigMaps[i].Name == name {
			return &s.ConfigMaps[i]
		}
	}
	return nil
}

func (s *State) daemonSet(ns, name string) *appsv1.DaemonSet {
	for i := range s.DaemonSets {
		if s.DaemonSets[i].Namespace == ns && s.DaemonSets[i].Name == name {
			return &s.DaemonSets[i]
		}
	}
	return nil
}

func (s *State) secret(ns, name string) *corev1.Secret {
	for i := range s.Secrets {
		if s.Secrets[i].Namespace == ns && s.Secrets[i].Name == name {
			return &s.Secrets[i]
		}
	}
	return nil
}

func (s *State) clusterRole(name string) *rbacv1.ClusterRole {
	for i := range s.ClusterRoles {
		if s.ClusterRoles[i].Name == name {
			return &s.ClusterRoles[i]
		}
	}
	return nil
}

func (s *State) endpoint(ns, name string) *ciliumv2.CiliumEndpoint {
	for i := range s.Endpoints {
		if s.Endpoints[i].Namespace == ns && s.Endpoints[i].Name == name {
			return &s.Endpoints[i]
		}
	}
	return nil
}

func (s *State) node(name string) *corev1.Node {
	for i := range s.Nodes {
		if s.Nodes[i].Name == name {
			return &s.Nodes[i]
		}
	}
	return nil
}

// podsIn returns the pods of namespace ns, sorted by name.
func (s *State) podsIn(ns string) []corev1.Pod {
	var out []corev1.Pod
	for _, p := range s.Pods {
		if p.Namespace == ns {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// agentPods returns the Cilium agent pods (label k8s-app=cilium) of ns.
func (s *State) agentPods(ns string) []corev1.Pod {
	var out []corev1.Pod
	for _, p := range s.podsIn(ns) {
		if p.Labels["k8s-app"] == "cilium" {
			out = append(out, p)
		}
	}
	return out
}

// envoyPods returns the Envoy pods (label k8s-app=cilium-envoy) of ns.
func (s *State) envoyPods(ns string) []corev1.Pod {
	var out []corev1.Pod
	for _, p := range s.podsIn(ns) {
		if p.Labels["k8s-app"] == envoyDaemonSet {
			out = append(out, p)
		}
	}
	return out
}

// ref formats a namespaced name for evidence.
func ref(kind, ns, name string) string {
	if ns == "" {
		return fmt.Sprintf("%s/%s", kind, name)
	}
	return fmt.Sprintf("%s %s/%s", kind, ns, name)
}

// quoteList formats names as `"a", "b"`.
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
