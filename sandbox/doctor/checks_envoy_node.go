package doctor

import (
	"fmt"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// checkEnvoy judges Envoy where the workload runs. With
// external-envoy-proxy the agents hand redirected connections to the
// cilium-envoy pod of their node, so what counts is an Envoy pod that is
// ready on each node the workload's pods run on: a DaemonSet whose
// tolerations or node selector leave a node out still reports every pod it
// wants as ready. Without workload pods on nodes (or without the Cilium
// namespace's pods) it falls back to the DaemonSet's own counts.
func checkEnvoy(e *env) Finding {
	v, _ := e.configValue("external-envoy-proxy")
	ev := fmt.Sprintf("%s: external-envoy-proxy=%q", e.configRef(), v)
	if v != "true" {
		return pass("Envoy runs inside the agent pods (external-envoy-proxy is not true)", ev)
	}
	ns := e.scope.CiliumNamespace
	ds := e.st.daemonSet(ns, envoyDaemonSet)
	if ds == nil {
		return fail(fmt.Sprintf("external-envoy-proxy is true but there is no DaemonSet %s/%s: redirected connections have no proxy", ns, envoyDaemonSet),
			e.helmUpgrade("envoy.enabled=true"), ev)
	}
	evs := []string{ev, daemonSetEvidence(ds)}
	byNode := e.workloadByNode()
	if len(byNode) == 0 || e.st.missing(KindPod) != "" {
		return envoyDaemonSetReady(e, ds, evs)
	}
	var p problems
	var ok []string
	for _, node := range sortedKeys(byNode) {
		if msg, good := e.envoyOnNode(ds, node, byNode[node], &p); good {
			ok = append(ok, msg)
		}
	}
	p.context = append(evs, p.context...)
	if len(p.list) > 0 {
		return p.finding("")
	}
	nodes := strings.Join(sortedKeys(byNode), ", ")
	if !daemonSetReady(ds) {
		return warn(fmt.Sprintf("Envoy is ready on the workload's node(s) %s, but %d of %d Envoy pods are ready: workloads on the other nodes lose their proxy", nodes, ds.Status.NumberReady, ds.Status.DesiredNumberScheduled),
			fmt.Sprintf("kubectl -n %s get pods -l k8s-app=%s -o wide, then describe the pods that are not ready", ns, envoyDaemonSet),
			append(evs, ok...)...)
	}
	return pass(fmt.Sprintf("Envoy is ready on the workload's node(s) %s (%d/%d Envoy pods ready)", nodes, ds.Status.NumberReady, ds.Status.DesiredNumberScheduled),
		append(evs, ok...)...)
}

// envoyDaemonSetReady is the judgement by the DaemonSet's counts alone.
func envoyDaemonSetReady(e *env, ds *appsv1.DaemonSet, ev []string) Finding {
	if !daemonSetReady(ds) {
		return fail(fmt.Sprintf("%d of %d Envoy pods are ready: connections redirected to Envoy on the other nodes fail", ds.Status.NumberReady, ds.Status.DesiredNumberScheduled),
			fmt.Sprintf("kubectl -n %s describe ds/%s and read the logs of its pods that are not ready", e.scope.CiliumNamespace, envoyDaemonSet),
			ev...)
	}
	return pass(fmt.Sprintf("%d/%d Envoy pods ready", ds.Status.NumberReady, ds.Status.DesiredNumberScheduled), ev...)
}

// workloadByNode maps each node the workload namespace's pods run on to
// their names.
func (e *env) workloadByNode() map[string][]string {
	out := map[string][]string{}
	for _, p := range e.workloadPods() {
		if p.Spec.NodeName != "" {
			out[p.Spec.NodeName] = append(out[p.Spec.NodeName], p.Namespace+"/"+p.Name)
		}
	}
	return out
}

// envoyOnNode says whether an Envoy pod is ready on node, adding to p why
// not: no pod (and which of the DaemonSet's constraints leave the node
// out), or the pod's state.
func (e *env) envoyOnNode(ds *appsv1.DaemonSet, node string, workload []string, p *problems) (string, bool) {
	ns := e.scope.CiliumNamespace
	var pod *corev1.Pod
	for _, c := range e.st.envoyPods(ns) {
		if c.Spec.NodeName == node || (c.Spec.NodeName == "" && daemonPodTarget(c) == node) {
			pod = &c
			break
		}
	}
	pods := strings.Join(workload, ", ")
	if pod == nil {
		why, fix := e.notScheduled(ds, node)
		p.add(fix, "no Envoy pod runs on node %s, where the workload's pod(s) %s run: %s, so the connections the agent there redirects to Envoy find no proxy", node, pods, why)
		if n := e.st.node(node); n != nil {
			p.context = append(p.context, nodeEvidence(n))
		}
		return "", false
	}
	if podReady(pod) {
		return fmt.Sprintf("Envoy pod %s/%s on node %s: ready", ns, pod.Name, node), true
	}
	p.add(fmt.Sprintf("read why it stops: kubectl -n %s logs %s --previous (or describe it), fix that, then kubectl -n %s delete pod %s", ns, pod.Name, ns, pod.Name),
		"the Envoy pod %s/%s on node %s is not ready (%s), and the workload's pod(s) %s run there: the connections the agent there redirects to Envoy find no proxy", ns, pod.Name, node, podState(pod), pods)
	if msg := lastTermination(pod); msg != "" {
		p.context = append(p.context, fmt.Sprintf("%s/%s last terminated: %s", ns, pod.Name, msg))
	}
	return "", false
}

// daemonPodTarget is the node a DaemonSet pod is meant for before it is
// scheduled: the DaemonSet controller pins it with a required node affinity
// on metadata.name (k8s.io/kubernetes pkg/controller/daemon/util
// ReplaceDaemonSetPodNodeNameNodeAffinity).
func daemonPodTarget(p corev1.Pod) string {
	a := p.Spec.Affinity
	if a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return ""
	}
	for _, t := range a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
		for _, f := range t.MatchFields {
			if f.Key == "metadata.name" && f.Operator == corev1.NodeSelectorOpIn && len(f.Values) == 1 {
				return f.Values[0]
			}
		}
	}
	return ""
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// podState describes why a pod is not ready: a container waiting
// (CrashLoopBackOff, ImagePullBackOff) with its restarts, a container
// running but not ready, or a pod Pending with the scheduler's message.
func podState(p *corev1.Pod) string {
	for _, c := range p.Status.ContainerStatuses {
		switch {
		case c.State.Waiting != nil:
			return fmt.Sprintf("container %s %s, %d restarts", c.Name, c.State.Waiting.Reason, c.RestartCount)
		case c.State.Terminated != nil:
			return fmt.Sprintf("container %s terminated (%s, exit code %d), %d restarts", c.Name, c.State.Terminated.Reason, c.State.Terminated.ExitCode, c.RestartCount)
		case !c.Ready:
			return fmt.Sprintf("container %s running but not ready, %d restarts", c.Name, c.RestartCount)
		}
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status != corev1.ConditionTrue {
			return fmt.Sprintf("pod %s, not scheduled: %s", p.Status.Phase, c.Message)
		}
	}
	return "pod " + string(p.Status.Phase)
}

// lastTermination quotes a container's last exit: its code and reason and
// the most severe line of its termination message (Cilium's chart sets
// terminationMessagePolicy FallbackToLogsOnError, so it holds Envoy's last
// log lines).
func lastTermination(p *corev1.Pod) string {
	for _, c := range p.Status.ContainerStatuses {
		t := c.LastTerminationState.Terminated
		if t == nil {
			continue
		}
		out := fmt.Sprintf("exit code %d (%s) at %s", t.ExitCode, t.Reason, t.FinishedAt.UTC().Format("2006-01-02T15:04:05Z"))
		lines := strings.Split(strings.TrimSpace(t.Message), "\n")
		for _, level := range []string{"[critical]", "[error]"} {
			if i := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, level) }); i >= 0 {
				return out + ": " + strings.TrimSpace(lines[i])
			}
		}
		if t.Message != "" {
			return out + ": " + strings.TrimSpace(lines[len(lines)-1])
		}
		return out
	}
	return ""
}
