package validate

import (
	"fmt"
	"sort"
	"strings"

	"github.com/cilium/cilium/pkg/policy/api"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
)

// podTemplatePaths says where each workload kind keeps its pod template.
func podTemplatePaths() map[string][]string {
	return map[string][]string{
		"apps/Deployment":  {"spec", "template"},
		"apps/StatefulSet": {"spec", "template"},
		"apps/DaemonSet":   {"spec", "template"},
		"apps/ReplicaSet":  {"spec", "template"},
		"batch/Job":        {"spec", "template"},
		"batch/CronJob":    {"spec", "jobTemplate", "spec", "template"},
		"/Pod":             {},
	}
}

func (inv *inventory) addWorkload(obj *unstructured.Unstructured, ns string) error {
	gvk := obj.GroupVersionKind()
	path, ok := podTemplatePaths()[gvk.Group+"/"+gvk.Kind]
	if !ok {
		return nil
	}
	tmpl := obj.Object
	if len(path) > 0 {
		m, found, err := unstructured.NestedMap(obj.Object, path...)
		if err != nil || !found {
			return fmt.Errorf("no pod template at %s", strings.Join(path, "."))
		}
		tmpl = m
	}
	lbls, _, _ := unstructured.NestedStringMap(tmpl, "metadata", "labels")
	sa, _, _ := unstructured.NestedString(tmpl, "spec", "serviceAccountName")
	host, _, _ := unstructured.NestedBool(tmpl, "spec", "hostNetwork")
	if sa == "" {
		sa = "default"
	}
	inv.workloads = append(inv.workloads, workload{
		id: objectID(gvk.Kind, ns, obj.GetName()), namespace: ns,
		labels: lbls, serviceAccount: sa, hostNetwork: host,
		job: gvk.Kind == "Job" || gvk.Kind == "CronJob" || gvk.Kind == "Pod", text: containerText(tmpl),
	})
	return nil
}

// containerText joins the commands, arguments and environment values of a
// pod template's containers and init containers.
func containerText(tmpl map[string]any) string {
	var parts []string
	for _, field := range []string{"containers", "initContainers"} {
		cs, _, _ := unstructured.NestedSlice(tmpl, "spec", field)
		for _, raw := range cs {
			c, _ := raw.(map[string]any)
			for _, key := range []string{"command", "args"} {
				words, _, _ := unstructured.NestedStringSlice(c, key)
				parts = append(parts, words...)
			}
			env, _, _ := unstructured.NestedSlice(c, "env")
			for _, e := range env {
				if v, ok := e.(map[string]any)["value"].(string); ok {
					parts = append(parts, v)
				}
			}
		}
	}
	return strings.Join(parts, " ")
}

// ciliumLabels returns the labels Cilium gives the pods of w (source "k8s").
func (inv *inventory) ciliumLabels(w workload) labels.Set {
	set := labels.Set{
		"io.kubernetes.pod.namespace":                                w.namespace,
		"io.cilium.k8s.policy.serviceaccount":                        w.serviceAccount,
		"io.cilium.k8s.policy.cluster":                               clusterName,
		"io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name": w.namespace,
	}
	for k, v := range inv.namespaces[w.namespace] {
		set["io.cilium.k8s.namespace.labels."+k] = v
	}
	for k, v := range w.labels {
		set[k] = v
	}
	return set
}

// selects reports whether a parsed rule's endpoint selector (which Parse
// already limited to the policy's namespace) selects the pods of w.
func (inv *inventory) selects(es api.EndpointSelector, w workload) bool {
	if es.LabelSelector == nil {
		return false
	}
	ls := &metav1.LabelSelector{MatchLabels: map[string]string{}}
	for k, v := range es.MatchLabels {
		key, ok := k8sKey(k)
		if !ok {
			return false
		}
		ls.MatchLabels[key] = v
	}
	for _, r := range es.MatchExpressions {
		key, ok := k8sKey(r.Key)
		if !ok {
			return false
		}
		ls.MatchExpressions = append(ls.MatchExpressions, metav1.LabelSelectorRequirement{
			Key: key, Operator: metav1.LabelSelectorOperator(r.Operator), Values: r.Values,
		})
	}
	sel, err := metav1.LabelSelectorAsSelector(ls)
	if err != nil {
		return false
	}
	return sel.Matches(inv.ciliumLabels(w))
}

// k8sKey strips a Cilium label source ("any:", "k8s:") from a selector key;
// it reports false for sources pods never carry (reserved:, cidr:, ...).
func k8sKey(k string) (string, bool) {
	src, key, found := strings.Cut(k, ":")
	if !found {
		return k, true
	}
	switch src {
	case "any", "k8s":
		return key, true
	}
	return "", false
}

// selected returns the workloads a policy selects (any of its rules).
func (inv *inventory) selected(p policy) []workload {
	var out []workload
	for _, w := range inv.workloads {
		for _, r := range p.rules {
			if inv.selects(r.EndpointSelector, w) {
				out = append(out, w)
				break
			}
		}
	}
	return out
}

// workloadProblems checks that every policy selects a workload pod Cilium
// manages, and that pods with toFQDNs rules may resolve names.
func (inv *inventory) workloadProblems() []Problem {
	if len(inv.workloads) == 0 {
		return append(inv.unseenWorkloads(), inv.dnsProblemsWithoutWorkloads()...)
	}
	var out []Problem
	for _, p := range inv.policies {
		sel := inv.selected(p)
		managed := 0
		for _, w := range sel {
			if !w.hostNetwork {
				managed++
			}
		}
		switch {
		case len(sel) == 0:
			out = append(out, Problem{Object: p.id, Check: CheckEndpointSelector, Message: fmt.Sprintf(
				"endpointSelector %s selects none of the workload pods (%s)", selectorString(p), inv.workloadSummary()),
				Fix: "make endpointSelector match the workload's pod template labels; a CiliumNetworkPolicy selects only pods of its own namespace"})
		case managed == 0:
			out = append(out, Problem{Object: p.id, Check: CheckEndpointSelector, Message: fmt.Sprintf(
				"endpointSelector %s selects only hostNetwork pods, which Cilium policy does not govern", selectorString(p)),
				Fix: "run the workload without hostNetwork: Cilium enforces policy only on pods with their own endpoint"})
		}
		out = append(out, inv.dnsProblems(p, sel)...)
	}
	return out
}

// selectorString shows a policy's endpoint selectors as Cilium parsed them
// (label sources and the implied namespace included).
func selectorString(p policy) string {
	var parts []string
	for _, r := range p.rules {
		es := r.EndpointSelector
		if es.LabelSelector == nil {
			continue
		}
		var terms []string
		for k, v := range es.MatchLabels {
			terms = append(terms, k+"="+v)
		}
		for _, req := range es.MatchExpressions {
			terms = append(terms, fmt.Sprintf("%s %s %v", req.Key, req.Operator, req.Values))
		}
		sort.Strings(terms)
		parts = append(parts, strings.Join(terms, ","))
	}
	return "{" + strings.Join(parts, "; ") + "}"
}

func (inv *inventory) workloadSummary() string {
	var parts []string
	for _, w := range inv.workloads {
		parts = append(parts, fmt.Sprintf("%s labels %s", w.id, labels.Set(w.labels)))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// unseenWorkloads are the assumptions made when the objects hold no pods
// (Options.OpenWorld): each policy's selector is taken to select pods in
// the cluster.
func (inv *inventory) unseenWorkloads() []Problem {
	if !inv.openWorld {
		return nil
	}
	var out []Problem
	for _, p := range inv.policies {
		out = append(out, Problem{Object: p.id, Check: CheckEndpointSelector, Severity: Assumption, Message: fmt.Sprintf(
			"endpointSelector %s: the objects hold no pod or pod template, so it is assumed to select pods in the cluster", selectorString(p)),
			Fix: "check it does: kubectl get pods -n <namespace> -l <the labels> (or add the workload's manifest to the objects)"})
	}
	return out
}
