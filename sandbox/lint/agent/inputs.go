package agent

import (
	"encoding/json"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun/wire"
	"github.com/cilium-tls-intercept/sandbox/sandbox/dnsanswer"
)

// clusterScoped are the kinds among the manifests' that have no namespace.
var clusterScoped = map[string]bool{
	"Namespace": true, "CiliumClusterwideNetworkPolicy": true, "ClusterIssuer": true, "Bundle": true,
	"ClusterRole": true, "ClusterRoleBinding": true, "CustomResourceDefinition": true,
}

// inputs are what a helper is given, built once for every release.
type inputs struct {
	objects   []json.RawMessage
	workloads []wire.Workload
	dns       []wire.DNSAnswer
	standIns  []string
}

// withNamespaces returns copies of objs with the default namespace set on
// namespaced objects that name none, as kubectl apply -n does.
func withNamespaces(objs []*unstructured.Unstructured, def string) []*unstructured.Unstructured {
	out := make([]*unstructured.Unstructured, 0, len(objs))
	for _, o := range objs {
		c := o.DeepCopy()
		if !clusterScoped[c.GetKind()] && c.GetNamespace() == "" {
			c.SetNamespace(def)
		}
		out = append(out, c)
	}
	return out
}

// podTemplatePaths says where each workload kind keeps its pod template.
var podTemplatePaths = map[string][]string{
	"Deployment": {"spec", "template"}, "StatefulSet": {"spec", "template"}, "DaemonSet": {"spec", "template"},
	"ReplicaSet": {"spec", "template"}, "Job": {"spec", "template"},
	"CronJob": {"spec", "jobTemplate", "spec", "template"}, "Pod": {},
}

// workloadsOf lists the workloads of objs with their namespaces' labels.
func workloadsOf(objs []*unstructured.Unstructured) []wire.Workload {
	nsLabels := map[string]map[string]string{}
	for _, o := range objs {
		if o.GetKind() == "Namespace" {
			nsLabels[o.GetName()] = o.GetLabels()
		}
	}
	var out []wire.Workload
	for _, o := range objs {
		path, ok := podTemplatePaths[o.GetKind()]
		if !ok || (o.GetKind() == "Pod" && o.GetAPIVersion() != "v1") {
			continue
		}
		tmpl := o.Object
		if len(path) > 0 {
			m, found, err := unstructured.NestedMap(o.Object, path...)
			if err != nil || !found {
				continue
			}
			tmpl = m
		}
		if host, _, _ := unstructured.NestedBool(tmpl, "spec", "hostNetwork"); host {
			continue // Cilium manages no endpoint for it
		}
		lbls, _, _ := unstructured.NestedStringMap(tmpl, "metadata", "labels")
		sa, _, _ := unstructured.NestedString(tmpl, "spec", "serviceAccountName")
		if sa == "" {
			sa = "default"
		}
		out = append(out, wire.Workload{Name: fmt.Sprintf("%s %s/%s", o.GetKind(), o.GetNamespace(), o.GetName()),
			Namespace: o.GetNamespace(), Labels: lbls, NamespaceLabels: namespaceLabels(o.GetNamespace(), nsLabels),
			ServiceAccount: sa})
	}
	return out
}

// namespaceLabels are a namespace's labels with the one the API server
// adds to every namespace.
func namespaceLabels(ns string, known map[string]map[string]string) map[string]string {
	out := map[string]string{"kubernetes.io/metadata.name": ns}
	for k, v := range known[ns] {
		out[k] = v
	}
	return out
}

// ParseWorkloadLabels parses "k=v,k2=v2" into a workload in namespace ns.
func ParseWorkloadLabels(s, ns string) (wire.Workload, error) {
	lbls := map[string]string{}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok || k == "" {
			return wire.Workload{}, fmt.Errorf("--workload-labels %q: want KEY=VALUE[,KEY=VALUE...]", s)
		}
		lbls[k] = v
	}
	return wire.Workload{Name: fmt.Sprintf("pods %s/{%s}", ns, s), Namespace: ns, Labels: lbls,
		NamespaceLabels: map[string]string{"kubernetes.io/metadata.name": ns}, ServiceAccount: "default"}, nil
}

// dnsAnswers are the DNS answers the agent sees: the given ones, and for
// every other name the policies select one distinct address
// (dnsanswer.Distinct: from 198.18.0.0/15, reserved for benchmarks), marked
// assumed.
func dnsAnswers(given dnsanswer.Answers, names []string) ([]wire.DNSAnswer, error) {
	all, err := dnsanswer.Distinct(names, given)
	if err != nil {
		return nil, err
	}
	var out []wire.DNSAnswer
	for _, n := range all.Names() {
		a := wire.DNSAnswer{Name: n, Assumed: given[n] == nil}
		ttl := uint32(0)
		for _, r := range all[n] {
			a.Addresses = append(a.Addresses, r.Addr.String())
			ttl = max(ttl, r.TTL)
		}
		a.TTL = int(ttl)
		out = append(out, a)
	}
	return out, nil
}
