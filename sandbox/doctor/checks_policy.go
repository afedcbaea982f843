package doctor

import (
	"fmt"
	"sort"
	"strings"

	"github.com/cilium/cilium/pkg/policy/api"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
)

// scopedRules returns the policy rules of the workload namespace and the
// clusterwide ones.
func (e *env) scopedRules() []policyRule {
	return inScope(e, e.st.rules(), func(r policyRule) string { return r.Namespace })
}

// inScope keeps the items of policies in the workload namespace and of
// clusterwide policies (namespace "").
func inScope[T any](e *env, items []T, namespace func(T) string) []T {
	var out []T
	for _, it := range items {
		if ns := namespace(it); ns == "" || ns == e.scope.WorkloadNamespace {
			out = append(out, it)
		}
	}
	return out
}

func hasFQDNs(r *api.Rule) bool {
	for _, eg := range r.Egress {
		if len(eg.ToFQDNs) > 0 {
			return true
		}
	}
	return false
}

func hasDNSRule(r *api.Rule) bool {
	for _, eg := range r.Egress {
		for _, p := range eg.ToPorts {
			if p.Rules != nil && len(p.Rules.DNS) > 0 {
				return true
			}
		}
	}
	return false
}

func checkDNSRule(e *env) Finding {
	rules := e.scopedRules()
	var dnsRules []policyRule
	for _, r := range rules {
		if hasDNSRule(r.Rule) {
			dnsRules = append(dnsRules, r)
		}
	}
	var p problems
	var ok []string
	used := false
	for _, r := range rules {
		if !hasFQDNs(r.Rule) {
			continue
		}
		used = true
		if by := e.dnsRuleFor(r, dnsRules); by != "" {
			ok = append(ok, fmt.Sprintf("%s: DNS through %s", r.Name, by))
			continue
		}
		p.add("add an egress rule to kube-dns on port 53 (UDP and TCP) with rules: {dns: [{matchPattern: \"*\"}]} for the same pods",
			"%s uses toFQDNs but no DNS rule applies to the pods it selects: the DNS proxy never learns the names' IPs and the traffic is dropped", r.Name)
	}
	if !used {
		return pass("no policy uses toFQDNs")
	}
	return p.finding("toFQDNs is backed by a DNS rule for the same pods", dedupeKeepOrder(ok)...)
}

// dnsRuleFor names a DNS rule that applies to the workload pods r selects
// (any DNS rule when r selects none of them), or "".
func (e *env) dnsRuleFor(r policyRule, dnsRules []policyRule) string {
	var pods []corev1.Pod
	for _, pod := range e.workloadPods() {
		if m, _ := selects(r.Rule.EndpointSelector, pod); m {
			pods = append(pods, pod)
		}
	}
	for _, d := range dnsRules {
		if len(pods) == 0 {
			return d.Name
		}
		for _, pod := range pods {
			if m, _ := selects(d.Rule.EndpointSelector, pod); m {
				return d.Name
			}
		}
	}
	return ""
}

func checkHTTPRule(e *env) Finding {
	var p problems
	var ok []string
	for _, tp := range e.ports() {
		if tp.Port.TerminatingTLS == nil {
			continue
		}
		if !ciliumtls.ParsesHTTP(tp.Port) {
			p.add("add rules: {http: [{}]} to the toPorts entry (an empty rule allows every request and turns on HTTP parsing)",
				"%s: port %s terminates TLS but has no rules.http: Envoy does not parse HTTP, so no L7 rule applies and Hubble sees no HTTP", tp.Policy, portList(tp))
			continue
		}
		ok = append(ok, fmt.Sprintf("%s: port %s has %d HTTP rule(s)", tp.Policy, portList(tp), len(tp.Port.Rules.HTTP)))
	}
	return p.finding("decrypted traffic is parsed as HTTP", dedupeKeepOrder(ok)...)
}

// workloadPods returns the pods of the workload namespace.
func (e *env) workloadPods() []corev1.Pod { return e.st.podsIn(e.scope.WorkloadNamespace) }

// selected returns the workload pods the TLS rules select.
func (e *env) selected() ([]corev1.Pod, error) {
	var out []corev1.Pod
	for _, pod := range e.workloadPods() {
		for _, tp := range e.ports() {
			ok, err := selects(tp.Rule.EndpointSelector, pod)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", tp.Policy, err)
			}
			if ok {
				out = append(out, pod)
				break
			}
		}
	}
	return out, nil
}

func selects(es api.EndpointSelector, pod corev1.Pod) (bool, error) {
	sel, ns, err := podSelector(es)
	if err != nil {
		return false, err
	}
	if ns != "" && ns != pod.Namespace {
		return false, nil
	}
	return sel.Matches(labels.Set(pod.Labels)), nil
}

func checkSelector(e *env) Finding {
	pods := e.workloadPods()
	if len(pods) == 0 {
		return fail(fmt.Sprintf("no pods in namespace %q: there is no workload to intercept", e.scope.WorkloadNamespace),
			"deploy the workload (make sandbox), or pass the namespace your pods run in")
	}
	var p problems
	var ok []string
	for _, tp := range e.ports() {
		sel, _, err := podSelector(tp.Rule.EndpointSelector)
		if err != nil {
			p.add("fix the policy's endpointSelector", "%s: %v", tp.Policy, err)
			continue
		}
		var hits []string
		for _, pod := range pods {
			if m, _ := selects(tp.Rule.EndpointSelector, pod); m {
				hits = append(hits, pod.Name)
			}
		}
		if len(hits) == 0 {
			p.add(fmt.Sprintf("make %s's endpointSelector match the workload's labels (%s)", tp.Policy, podLabels(pods[0])),
				"%s selects %q but no pod in %q matches it (pod labels: %s): the policy applies to nothing",
				tp.Policy, sel.String(), e.scope.WorkloadNamespace, podLabels(pods[0]))
			continue
		}
		ok = append(ok, fmt.Sprintf("%s selects %s", tp.Policy, strings.Join(hits, ", ")))
	}
	return p.finding("the TLS policies select the workload's pods", dedupeKeepOrder(ok)...)
}

// podLabels formats a pod's labels without the ones controllers add.
func podLabels(pod corev1.Pod) string {
	l := make([]string, 0, len(pod.Labels))
	for k, v := range pod.Labels {
		if k == "pod-template-hash" || k == "controller-revision-hash" || k == "pod-template-generation" {
			continue
		}
		l = append(l, k+"="+v)
	}
	sort.Strings(l)
	return strings.Join(l, ",")
}
