package hermetic

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/cilium-tls-intercept/sandbox/sandbox/cilium"
	"github.com/cilium-tls-intercept/sandbox/sandbox/cluster"
)

// CountAgentPod writes the status of Cilium's agent DaemonSet as one
// scheduled, ready and available pod: the agent running outside the
// cluster, named by who. A stand-in for the kubelet and the DaemonSet
// controller, which do not run on a hermetic control plane, so that
// readers of the DaemonSet (the doctor) see the agent Cilium's chart
// deployed as running. It returns a line saying so.
func CountAgentPod(ctx context.Context, cs kubernetes.Interface, who string) (string, error) {
	w, err := agentDaemonSet()
	if err != nil {
		return "", err
	}
	ds, err := cs.AppsV1().DaemonSets(w.Namespace).Get(ctx, w.Name, metav1.GetOptions{})
	if err != nil {
		return "", fmt.Errorf("agent DaemonSet: %w", err)
	}
	st := &ds.Status
	st.ObservedGeneration = ds.Generation
	st.DesiredNumberScheduled, st.CurrentNumberScheduled, st.UpdatedNumberScheduled = 1, 1, 1
	st.NumberReady, st.NumberAvailable, st.NumberUnavailable, st.NumberMisscheduled = 1, 1, 0, 0
	if _, err := cs.AppsV1().DaemonSets(w.Namespace).UpdateStatus(ctx, ds, metav1.UpdateOptions{}); err != nil {
		return "", fmt.Errorf("write the agent DaemonSet's status: %w", err)
	}
	return fmt.Sprintf("DaemonSet %s/%s: 1 ready pod (stand-in: %s)", w.Namespace, w.Name, who), nil
}

// agentDaemonSet is the agent's DaemonSet among Cilium's workloads, which
// list it first.
func agentDaemonSet() (cluster.Workload, error) {
	ws := cilium.Workloads()
	if len(ws) == 0 || ws[0].Kind != cluster.DaemonSet {
		return cluster.Workload{}, fmt.Errorf("cilium.Workloads lists no agent DaemonSet first: %v", ws)
	}
	return ws[0], nil
}
