package cluster

import (
	"context"
	"errors"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// ErrForeignCluster means a cluster of the sandbox's name exists but was not
// made for Cilium (another CNI or kube-proxy is installed); the sandbox never
// reuses such a cluster.
var ErrForeignCluster = errors.New("cluster was not created for Cilium")

// ForeignClusterError says which cluster and what was found in it.
type ForeignClusterError struct {
	Cluster  string
	Evidence []string
}

// Error names the cluster, the evidence and how to recreate it.
func (e *ForeignClusterError) Error() string {
	return fmt.Sprintf("kind cluster %q exists but was created without disableDefaultCNI/kubeProxyMode none (found %s); "+
		"it is not reused: delete it with `sandbox down --cluster-name %s` and run `sandbox up` again",
		e.Cluster, strings.Join(e.Evidence, ", "), e.Cluster)
}

// Unwrap makes errors.Is(err, ErrForeignCluster) true.
func (e *ForeignClusterError) Unwrap() error { return ErrForeignCluster }

// foreignDaemonSets are DaemonSets that another CNI or kube-proxy installs.
func foreignDaemonSets() []struct{ namespace, name, what string } {
	return []struct{ namespace, name, what string }{
		{"kube-system", "kindnet", "kindnet CNI"},
		{"kube-system", "kube-proxy", "kube-proxy"},
		{"kube-system", "calico-node", "Calico CNI"},
		{"calico-system", "calico-node", "Calico CNI"},
		{"kube-flannel", "kube-flannel-ds", "flannel CNI"},
	}
}

// CheckForeignCNI returns a *ForeignClusterError when the cluster behind cs
// runs another CNI or kube-proxy, nil when it has neither.
func CheckForeignCNI(ctx context.Context, cs kubernetes.Interface, clusterName string) error {
	var evidence []string
	for _, ds := range foreignDaemonSets() {
		_, err := cs.AppsV1().DaemonSets(ds.namespace).Get(ctx, ds.name, metav1.GetOptions{})
		switch {
		case err == nil:
			evidence = append(evidence, fmt.Sprintf("%s (DaemonSet %s/%s)", ds.what, ds.namespace, ds.name))
		case apierrors.IsNotFound(err):
		default:
			return fmt.Errorf("look for DaemonSet %s/%s: %w", ds.namespace, ds.name, err)
		}
	}
	if len(evidence) > 0 {
		return &ForeignClusterError{Cluster: clusterName, Evidence: evidence}
	}
	return nil
}
