package cilium

import (
	"context"
	"fmt"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/cilium-tls-intercept/sandbox/sandbox/cluster"
)

// ReadyTimeout bounds WaitReady in Up.
const ReadyTimeout = 5 * time.Minute

// Workloads are what must be rolled out before Cilium is ready: the agent,
// the Envoy DaemonSet, the operator and Hubble relay.
func Workloads() []cluster.Workload {
	return []cluster.Workload{
		{Kind: cluster.DaemonSet, Namespace: Namespace, Name: "cilium"},
		{Kind: cluster.DaemonSet, Namespace: Namespace, Name: "cilium-envoy"},
		{Kind: cluster.Deployment, Namespace: Namespace, Name: "cilium-operator"},
		{Kind: cluster.Deployment, Namespace: Namespace, Name: "hubble-relay"},
	}
}

// WaitReady waits until every Cilium workload is rolled out; a timeout
// describes the workloads still rolling out.
func WaitReady(ctx context.Context, cs kubernetes.Interface, timeout time.Duration) error {
	if err := cluster.WaitRollout(ctx, cs, timeout, Workloads()...); err != nil {
		return fmt.Errorf("cilium: %w", err)
	}
	return nil
}
