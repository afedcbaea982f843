package doctor

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// TestEnvoyNotOnTheNode changes the envoy-not-on-node state (no Envoy pod
// on the worker) so each of the DaemonSet's constraints is the one that
// leaves the node out, or none is, and expects the envoy check to name it;
// then it puts a pod there in each state a pod can be in.
func TestEnvoyNotOnTheNode(t *testing.T) {
	tolerate := func(ds *appsv1.DaemonSet, _ *corev1.Node) {
		ds.Spec.Template.Spec.Tolerations = []corev1.Toleration{{Operator: corev1.TolerationOpExists}}
	}
	cases := []struct {
		name   string
		change func(*appsv1.DaemonSet, *corev1.Node)
		want   []string
	}{
		{"taint", func(*appsv1.DaemonSet, *corev1.Node) {},
			[]string{"taint dedicated=egress-workloads:NoSchedule is not tolerated", "envoy.tolerations"}},
		{"node selector", func(ds *appsv1.DaemonSet, n *corev1.Node) {
			tolerate(ds, n)
			ds.Spec.Template.Spec.NodeSelector = map[string]string{"node-pool": "infra"}
		}, []string{"nodeSelector node-pool=infra does not match the node's labels", "node-pool=egress", "envoy.nodeSelector"}},
		{"affinity", func(ds *appsv1.DaemonSet, n *corev1.Node) {
			tolerate(ds, n)
			n.Labels["cilium.io/no-schedule"] = "true"
		}, []string{"required node affinity (cilium.io/no-schedule NotIn true) does not match", "envoy.affinity"}},
		{"admitted", tolerate, []string{"admit the node, yet no Envoy pod runs there", "describe ds/cilium-envoy"}},
		{"taint a DaemonSet tolerates by default", func(ds *appsv1.DaemonSet, n *corev1.Node) {
			tolerate(ds, n)
			ds.Spec.Template.Spec.Tolerations = nil
			n.Spec.Taints = []corev1.Taint{{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule}}
		}, []string{"admit the node"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := envoyState(t)
			c.change(st.daemonSet("kube-system", envoyDaemonSet), st.node("cilium-tls-intercept-worker"))
			f := Evaluate(st, Options{Now: fixedNow}).Finding("envoy")
			text := f.Reason + " | " + f.Fix
			for _, w := range c.want {
				if f.Status != StatusFail || !strings.Contains(text, w) {
					t.Errorf("envoy = %s %q, want a failure with %q", f.Status, text, w)
				}
			}
		})
	}
}

func TestEnvoyPodStates(t *testing.T) {
	cases := []struct {
		name   string
		status corev1.PodStatus
		want   string
	}{
		{"pending", corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{
			{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Message: "0/2 nodes are available: 1 node(s) didn't match pod affinity rules"}}},
			"pod Pending, not scheduled: 0/2 nodes are available"},
		{"image pull", corev1.PodStatus{Phase: corev1.PodPending, ContainerStatuses: []corev1.ContainerStatus{
			{Name: "cilium-envoy", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff"}}}}},
			"container cilium-envoy ImagePullBackOff, 0 restarts"},
		{"running, not ready", corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{
			{Name: "cilium-envoy", RestartCount: 1, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}},
			"container cilium-envoy running but not ready, 1 restarts"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := envoyState(t)
			pod := *st.Pods[0].DeepCopy()
			for _, p := range st.envoyPods("kube-system") {
				pod = *p.DeepCopy()
			}
			pod.Name, pod.Spec.NodeName, pod.Status = "cilium-envoy-x7k2p", "cilium-tls-intercept-worker", c.status
			st.Pods = append(st.Pods, pod)
			f := Evaluate(st, Options{Now: fixedNow}).Finding("envoy")
			if f.Status != StatusFail || !strings.Contains(f.Reason, "cilium-envoy-x7k2p on node cilium-tls-intercept-worker is not ready ("+c.want) {
				t.Errorf("envoy = %s %q, want a failure naming %q", f.Status, f.Reason, c.want)
			}
		})
	}
}

func envoyState(t *testing.T) *State {
	t.Helper()
	st, err := DumpSource{Dir: filepath.Join(statesDir, "envoy-not-on-node")}.Gather(context.Background(), Scope{})
	if err != nil {
		t.Fatal(err)
	}
	return st
}
