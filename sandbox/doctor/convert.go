package doctor

import (
	"encoding/json"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
)

// dumpKind is an object kind a State holds, with the kubectl arguments that
// dump it and the file names that stand for it.
type dumpKind struct {
	kind    Kind
	kubectl string
	aliases []string
}

// dumpKinds lists the kinds in the order missing kinds are reported.
func dumpKinds() []dumpKind {
	return []dumpKind{
		{KindConfigMap, "configmaps -A", []string{"configmaps", "cm"}},
		{KindDaemonSet, "daemonsets -A", []string{"daemonsets", "ds"}},
		{KindPod, "pods -A", []string{"pods", "po"}},
		{KindSecret, "secrets -A", []string{"secrets"}},
		{KindSyncedSecret, "secrets -n cilium-secrets -l " + ciliumtls.OwningSecretNameLabel, []string{"synced-secrets", "cilium-secrets"}},
		{KindClusterRole, "clusterroles", []string{"clusterroles", "rbac"}},
		{KindPolicy, "ciliumnetworkpolicies -A", []string{"ciliumnetworkpolicies", "cnp", "policies"}},
		{KindClusterPolicy, "ciliumclusterwidenetworkpolicies", []string{"ciliumclusterwidenetworkpolicies", "ccnp"}},
		{KindCiliumEndpoint, "ciliumendpoints -A", []string{"ciliumendpoints", "cep", "endpoints"}},
		{KindCertificate, "certificates.cert-manager.io -A", []string{"certificates", "cert"}},
		{KindNode, "nodes", []string{"nodes", "no"}},
		{KindBundle, "bundles.trust.cert-manager.io", []string{"bundles"}},
	}
}

// addObjects converts objs to the State's typed lists; kinds the checks do
// not read are ignored.
func (s *State) addObjects(objs []*unstructured.Unstructured) error {
	for _, u := range objs {
		if err := s.addObject(u); err != nil {
			return fmt.Errorf("%s %s: %w", u.GetKind(), objectName(u), err)
		}
	}
	return nil
}

func (s *State) addObject(u *unstructured.Unstructured) error {
	var err error
	switch Kind(u.GetKind()) {
	case KindConfigMap:
		s.ConfigMaps, err = appendAs(s.ConfigMaps, u)
	case KindDaemonSet:
		s.DaemonSets, err = appendAs(s.DaemonSets, u)
	case KindPod:
		s.Pods, err = appendAs(s.Pods, u)
	case KindSecret:
		if ciliumtls.IsSyncedCopy(u.GetLabels()) {
			s.SyncedSecrets, err = appendAs(s.SyncedSecrets, u)
		} else {
			s.Secrets, err = appendAs(s.Secrets, u)
		}
	case KindClusterRole:
		s.ClusterRoles, err = appendAs(s.ClusterRoles, u)
	case KindPolicy:
		s.Policies, err = appendAs(s.Policies, u)
	case KindClusterPolicy:
		s.ClusterPolicies, err = appendAs(s.ClusterPolicies, u)
	case KindCiliumEndpoint:
		s.Endpoints, err = appendAs(s.Endpoints, u)
	case KindCertificate:
		if strings.HasPrefix(u.GetAPIVersion(), "cert-manager.io/") {
			s.Certificates, err = appendAs(s.Certificates, u)
		}
	case KindNode:
		s.Nodes, err = appendAs(s.Nodes, u)
	case KindBundle:
		if strings.HasPrefix(u.GetAPIVersion(), "trust.cert-manager.io/") {
			s.Bundles, err = appendAs(s.Bundles, u)
		}
	}
	return err
}

// appendAs decodes u into T through JSON, so custom unmarshalers (Cilium's
// selectors) run, and appends it.
func appendAs[T any](list []T, u *unstructured.Unstructured) ([]T, error) {
	js, err := json.Marshal(u.Object)
	if err != nil {
		return list, err
	}
	var v T
	if err := json.Unmarshal(js, &v); err != nil {
		return list, err
	}
	return append(list, v), nil
}

// counts returns how many objects of each kind the State holds.
func (s *State) counts() map[Kind]int {
	return map[Kind]int{
		KindConfigMap:      len(s.ConfigMaps),
		KindDaemonSet:      len(s.DaemonSets),
		KindPod:            len(s.Pods),
		KindSecret:         len(s.Secrets),
		KindSyncedSecret:   len(s.SyncedSecrets),
		KindClusterRole:    len(s.ClusterRoles),
		KindPolicy:         len(s.Policies),
		KindClusterPolicy:  len(s.ClusterPolicies),
		KindCiliumEndpoint: len(s.Endpoints),
		KindCertificate:    len(s.Certificates),
		KindNode:           len(s.Nodes),
		KindBundle:         len(s.Bundles),
	}
}

// markAbsentKinds records every kind with no object and not in present as
// missing; format gets the kind and its kubectl name.
func (s *State) markAbsentKinds(present map[Kind]bool, format string) {
	n := s.counts()
	for _, k := range dumpKinds() {
		if n[k.kind] == 0 && !present[k.kind] {
			s.markMissing(k.kind, fmt.Sprintf(format, k.kind, k.kubectl))
		}
	}
}

func objectName(u *unstructured.Unstructured) string {
	if u.GetNamespace() == "" {
		return u.GetName()
	}
	return u.GetNamespace() + "/" + u.GetName()
}
