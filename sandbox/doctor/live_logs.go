package doctor

import (
	"context"
	"errors"
	"fmt"
	"io"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// gatherLogs reads the logs of the agents on the workload's nodes (of every
// agent when the workload has no pods).
func (l *LiveSource) gatherLogs(ctx context.Context, st *State, scope Scope) error {
	nodes := workloadNodes(st, scope)
	for _, p := range st.agentPods(scope.CiliumNamespace) {
		if len(nodes) > 0 && !nodes[p.Spec.NodeName] {
			continue
		}
		text, err := l.podLog(ctx, p, agentContainer)
		if err != nil {
			st.markMissing(KindAgentLog, fmt.Sprintf("could not read the log of %s/%s: %v", p.Namespace, p.Name, err))
			continue
		}
		st.AgentLogs = append(st.AgentLogs, AgentLog{Pod: p.Name, Text: text})
	}
	return nil
}

// gatherEnvoyLogs reads the logs of the Envoy pods (cilium-envoy) on the
// workload's nodes.
func (l *LiveSource) gatherEnvoyLogs(ctx context.Context, st *State, scope Scope) error {
	nodes := workloadNodes(st, scope)
	for _, p := range st.envoyPods(scope.CiliumNamespace) {
		if len(nodes) > 0 && !nodes[p.Spec.NodeName] {
			continue
		}
		text, err := l.podLog(ctx, p, envoyContainer)
		if err != nil {
			st.markMissing(KindEnvoyLog, fmt.Sprintf("could not read the log of %s/%s: %v", p.Namespace, p.Name, err))
			continue
		}
		st.EnvoyLogs = append(st.EnvoyLogs, AgentLog{Pod: p.Name, Text: text})
	}
	return nil
}

// gatherNodes reads the nodes the workload's pods run on, whose labels and
// taints say why a DaemonSet leaves one out.
func (l *LiveSource) gatherNodes(ctx context.Context, st *State, scope Scope) error {
	for _, name := range sortedKeys(workloadNodes(st, scope)) {
		n, err := l.Clientset.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
		switch {
		case err == nil:
			st.Nodes = append(st.Nodes, *n)
		case apierrors.IsNotFound(err):
		default:
			return tolerate(st, KindNode, "node "+name, err)
		}
	}
	return nil
}

// workloadNodes returns the nodes the workload namespace's pods run on.
func workloadNodes(st *State, scope Scope) map[string]bool {
	nodes := map[string]bool{}
	for _, p := range st.podsIn(scope.WorkloadNamespace) {
		if p.Spec.NodeName != "" {
			nodes[p.Spec.NodeName] = true
		}
	}
	return nodes
}

func (l *LiveSource) podLog(ctx context.Context, p corev1.Pod, container string) (string, error) {
	tail := l.LogTail
	if tail == 0 {
		tail = DefaultLogTail
	}
	if l.Logs != nil {
		return l.Logs.Log(ctx, p, container, tail)
	}
	req := l.Clientset.CoreV1().Pods(p.Namespace).GetLogs(p.Name, &corev1.PodLogOptions{Container: container, TailLines: &tail})
	rc, err := req.Stream(ctx)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return string(b), nil
}
