package upstream

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/cilium-tls-intercept/sandbox/sandbox/cluster"
	"github.com/cilium-tls-intercept/sandbox/sandbox/dnsanswer"
)

// Where CoreDNS's configuration lives in kind (and kubeadm) clusters.
const (
	CoreDNSNamespace  = "kube-system"
	CoreDNSConfigMap  = "coredns"
	CoreDNSDeployment = "coredns"
	corefileKey       = "Corefile"
	// CorefileHashAnnotation on CoreDNS's pod template restarts CoreDNS
	// when the edited Corefile changes, rather than waiting for the
	// ConfigMap to reach the pods and the reload plugin to notice.
	CorefileHashAnnotation = "cilium-tls-intercept/corefile-sha256"
)

// EnsureHosts makes CoreDNS give exactly answers for their names (WithHosts
// on the coredns ConfigMap) and restarts CoreDNS when the Corefile changed.
// It reports whether anything changed; a second call with the same answers
// changes nothing. It does not wait for the restart: call WaitCoreDNS
// before relying on it.
func EnsureHosts(ctx context.Context, cs kubernetes.Interface, answers dnsanswer.Answers) (bool, error) {
	return editCorefile(ctx, cs, func(c string) (string, error) { return WithHosts(c, answers) })
}

// RemoveHosts removes what EnsureHosts added, restarting CoreDNS if it changed.
func RemoveHosts(ctx context.Context, cs kubernetes.Interface) (bool, error) {
	return editCorefile(ctx, cs, func(c string) (string, error) { return WithoutHosts(c), nil })
}

// WaitCoreDNS waits, at most timeout, until CoreDNS's Deployment has rolled
// out its current template: after EnsureHosts restarted it, every pod that
// answers then serves the edited Corefile. The error says what the rollout
// was last seen at.
func WaitCoreDNS(ctx context.Context, cs kubernetes.Interface, timeout time.Duration) error {
	w := cluster.Workload{Kind: cluster.Deployment, Namespace: CoreDNSNamespace, Name: CoreDNSDeployment}
	if err := cluster.WaitRollout(ctx, cs, timeout, w); err != nil {
		return fmt.Errorf("coredns restart with the edited Corefile: %w", err)
	}
	return nil
}

func editCorefile(ctx context.Context, cs kubernetes.Interface, edit func(string) (string, error)) (bool, error) {
	cms := cs.CoreV1().ConfigMaps(CoreDNSNamespace)
	cm, err := cms.Get(ctx, CoreDNSConfigMap, metav1.GetOptions{})
	if err != nil {
		return false, fmt.Errorf("read coredns config: %w", err)
	}
	old := cm.Data[corefileKey]
	edited, err := edit(old)
	if err != nil {
		return false, err
	}
	if edited == old {
		return false, nil
	}
	cm.Data[corefileKey] = edited
	if _, err := cms.Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		return false, fmt.Errorf("update coredns config: %w", err)
	}
	if err := restartCoreDNS(ctx, cs, edited); err != nil {
		return true, err
	}
	return true, nil
}

func restartCoreDNS(ctx context.Context, cs kubernetes.Interface, corefile string) error {
	sum := sha256.Sum256([]byte(corefile))
	patch := fmt.Sprintf(`{"spec":{"template":{"metadata":{"annotations":{%q:%q}}}}}`,
		CorefileHashAnnotation, hex.EncodeToString(sum[:8]))
	_, err := cs.AppsV1().Deployments(CoreDNSNamespace).Patch(ctx, CoreDNSDeployment,
		types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{})
	if err != nil {
		return fmt.Errorf("restart coredns: %w", err)
	}
	return nil
}
