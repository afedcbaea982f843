package doctor

import (
	"fmt"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	schedcorev1 "k8s.io/component-helpers/scheduling/corev1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
	"k8s.io/klog/v2"
)

// notScheduled says why the DaemonSet has no pod on node, judged as the
// DaemonSet controller judges whether a node should run a daemon pod
// (k8s.io/kubernetes pkg/controller/daemon, predicates): the template's
// node selector and required node affinity must match the node
// (component-helpers nodeaffinity), and its tolerations, plus the ones the
// controller adds to every daemon pod, must tolerate the node's NoSchedule
// and NoExecute taints (component-helpers FindMatchingUntoleratedTaint,
// without the alpha comparison operators). It returns the reason and the
// fix.
func (e *env) notScheduled(ds *appsv1.DaemonSet, node string) (why, fix string) {
	ns := e.scope.CiliumNamespace
	describe := fmt.Sprintf("kubectl -n %s describe ds/%s (its events say why it created no pod there)", ns, envoyDaemonSet)
	if r := e.st.missing(KindNode); r != "" {
		return fmt.Sprintf("the node's labels and taints were not read (%s)", r), describe
	}
	n := e.st.node(node)
	if n == nil {
		return "the node was not read", describe
	}
	spec := ds.Spec.Template.Spec
	if len(spec.NodeSelector) > 0 {
		only := &corev1.Pod{Spec: corev1.PodSpec{NodeSelector: spec.NodeSelector}}
		if ok, _ := nodeaffinity.GetRequiredNodeAffinity(only).Match(n); !ok {
			return fmt.Sprintf("the DaemonSet %s/%s's nodeSelector %s does not match the node's labels (%s)", ns, envoyDaemonSet, labelMap(spec.NodeSelector), labelMap(n.Labels)),
				"make Cilium's Helm value envoy.nodeSelector match the node (or label the node), then the DaemonSet controller starts an Envoy pod there"
		}
	}
	if a := spec.Affinity; a != nil && a.NodeAffinity != nil && a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution != nil {
		only := &corev1.Pod{Spec: corev1.PodSpec{Affinity: &corev1.Affinity{NodeAffinity: a.NodeAffinity}}}
		if ok, _ := nodeaffinity.GetRequiredNodeAffinity(only).Match(n); !ok {
			return fmt.Sprintf("the DaemonSet %s/%s's required node affinity (%s) does not match the node's labels (%s)", ns, envoyDaemonSet, nodeTerms(a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution), labelMap(n.Labels)),
				"make Cilium's Helm value envoy.affinity admit the node (Cilium's default leaves out only nodes labelled cilium.io/no-schedule=true), then the DaemonSet controller starts an Envoy pod there"
		}
	}
	tolerations := daemonPodTolerations(spec)
	noSchedule := func(t *corev1.Taint) bool {
		return t.Effect == corev1.TaintEffectNoExecute || t.Effect == corev1.TaintEffectNoSchedule
	}
	if taint, untolerated := schedcorev1.FindMatchingUntoleratedTaint(klog.Background(), n.Spec.Taints, tolerations, noSchedule, false); untolerated {
		return fmt.Sprintf("the node's taint %s is not tolerated by the DaemonSet %s/%s's tolerations (%s)", taintString(taint), ns, envoyDaemonSet, tolerationList(spec.Tolerations)),
			fmt.Sprintf("let Envoy tolerate the taint: add {key: %s, operator: Exists, effect: %s} to Cilium's Helm value envoy.tolerations (Cilium's default, [{operator: Exists}], tolerates every taint), as the agent's DaemonSet does, then the DaemonSet controller starts an Envoy pod there", taint.Key, taint.Effect)
	}
	return fmt.Sprintf("the DaemonSet %s/%s's node selector, affinity and tolerations admit the node, yet no Envoy pod runs there", ns, envoyDaemonSet), describe
}

// daemonPodTolerations are the template's tolerations plus those the
// DaemonSet controller adds to every daemon pod (k8s.io/kubernetes
// pkg/controller/daemon/util AddOrUpdateDaemonPodTolerations).
func daemonPodTolerations(spec corev1.PodSpec) []corev1.Toleration {
	out := append([]corev1.Toleration{}, spec.Tolerations...)
	add := func(key string, effect corev1.TaintEffect) {
		out = append(out, corev1.Toleration{Key: key, Operator: corev1.TolerationOpExists, Effect: effect})
	}
	add(corev1.TaintNodeNotReady, corev1.TaintEffectNoExecute)
	add(corev1.TaintNodeUnreachable, corev1.TaintEffectNoExecute)
	add(corev1.TaintNodeDiskPressure, corev1.TaintEffectNoSchedule)
	add(corev1.TaintNodeMemoryPressure, corev1.TaintEffectNoSchedule)
	add(corev1.TaintNodePIDPressure, corev1.TaintEffectNoSchedule)
	add(corev1.TaintNodeUnschedulable, corev1.TaintEffectNoSchedule)
	if spec.HostNetwork {
		add(corev1.TaintNodeNetworkUnavailable, corev1.TaintEffectNoSchedule)
	}
	return out
}

func labelMap(m map[string]string) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		keys[i] = k + "=" + m[k]
	}
	return strings.Join(keys, ", ")
}

func taintString(t corev1.Taint) string {
	s := t.Key
	if t.Value != "" {
		s += "=" + t.Value
	}
	return s + ":" + string(t.Effect)
}

func tolerationList(ts []corev1.Toleration) string {
	if len(ts) == 0 {
		return "none"
	}
	var out []string
	for _, t := range ts {
		s := t.Key
		if s == "" {
			s = "every key"
		}
		op := string(t.Operator)
		if op == "" {
			op = string(corev1.TolerationOpEqual)
		}
		s += " " + op
		if t.Value != "" {
			s += " " + t.Value
		}
		if t.Effect != "" {
			s += " " + string(t.Effect)
		}
		out = append(out, s)
	}
	return strings.Join(out, "; ")
}

func nodeTerms(sel *corev1.NodeSelector) string {
	var terms []string
	for _, t := range sel.NodeSelectorTerms {
		var reqs []string
		for _, r := range t.MatchExpressions {
			reqs = append(reqs, fmt.Sprintf("%s %s %s", r.Key, r.Operator, strings.Join(r.Values, ",")))
		}
		terms = append(terms, strings.Join(reqs, " and "))
	}
	return strings.Join(terms, " or ")
}

// nodeEvidence is a node's labels and taints, for evidence.
func nodeEvidence(n *corev1.Node) string {
	var taints []string
	for _, t := range n.Spec.Taints {
		taints = append(taints, taintString(t))
	}
	if len(taints) == 0 {
		taints = []string{"none"}
	}
	return fmt.Sprintf("Node %s: labels %s; taints %s", n.Name, labelMap(n.Labels), strings.Join(taints, ", "))
}
