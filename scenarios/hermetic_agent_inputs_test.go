//go:build linux

package scenarios

import (
	"cmp"
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/cilium/cilium/pkg/identity"
	ciliumv2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	"github.com/cilium/cilium/pkg/policy/api"

	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/agent"
)

// kubeDNSPod stands in for a CoreDNS pod as kubeadm (and so kind) deploys
// it: label k8s-app=kube-dns, service account coredns, in kube-system.
func kubeDNSPod(ns *corev1.Namespace) agent.Pod {
	return agent.Pod{Labels: map[string]string{"k8s-app": "kube-dns"}, Namespace: ns, ServiceAccount: "coredns"}
}

// workloadInputs are what the agent computes a namespace's workload's view
// from: the namespace's policies, read with the agent's own client, and the
// identities.
type workloadInputs struct {
	policies []ciliumv2.CiliumNetworkPolicy
	endpoint *identity.Identity
	kubeDNS  *identity.Identity
	fqdn     []agent.FQDNIdentity
}

// inputs reads ns's policies and derives the identities: the workload's
// from the chart's workload Deployment's pod template (no pod runs), placed
// in ns; kube-dns's from kubeDNSPod; one stand-in per toFQDNs selector.
func (a *agentTier) inputs(ctx context.Context, ns string) (*workloadInputs, error) {
	cs := a.c.Agent.Clientset
	list, err := cs.CiliumV2().CiliumNetworkPolicies(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list policies in %s: %w", ns, err)
	}
	pod, err := a.workloadPod(ctx, ns)
	if err != nil {
		return nil, err
	}
	sys, err := cs.CoreV1().Namespaces().Get(ctx, "kube-system", metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	cluster := a.c.Agent.Cluster.Name
	return &workloadInputs{
		policies: list.Items,
		endpoint: agent.PodIdentity(agent.WorkloadIdentity, pod, cluster),
		kubeDNS:  agent.PodIdentity(agent.KubeDNSIdentity, kubeDNSPod(sys), cluster),
		fqdn:     agent.FQDNIdentities(fqdnSelectors(list.Items)),
	}, nil
}

// workloadPod is the chart's workload pod, as its Deployment's template
// would make it, in namespace ns.
func (a *agentTier) workloadPod(ctx context.Context, ns string) (agent.Pod, error) {
	cs := a.c.Agent.Clientset
	dep, err := cs.AppsV1().Deployments(intercept.WorkloadNamespace).Get(ctx, intercept.WorkloadLabel, metav1.GetOptions{})
	if err != nil {
		return agent.Pod{}, fmt.Errorf("the chart's workload Deployment: %w", err)
	}
	nsObj, err := cs.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	if err != nil {
		return agent.Pod{}, err
	}
	tmpl := dep.Spec.Template
	// Without serviceAccountName, the API server's ServiceAccount admission gives
	// the pod "default".
	sa := cmp.Or(tmpl.Spec.ServiceAccountName, "default")
	return agent.Pod{Labels: tmpl.Labels, Namespace: nsObj, ServiceAccount: sa}, nil
}

// fqdnSelectors lists the toFQDNs selectors of the policies' egress rules.
func fqdnSelectors(policies []ciliumv2.CiliumNetworkPolicy) []api.FQDNSelector {
	var out []api.FQDNSelector
	for _, p := range policies {
		for _, r := range append(api.Rules{p.Spec}, p.Specs...) {
			if r == nil {
				continue
			}
			for _, e := range r.Egress {
				out = append(out, e.ToFQDNs...)
			}
		}
	}
	return out
}

// viewInput is the agent's input for the workload's view.
func (w *workloadInputs) viewInput() agent.ViewInput {
	peers := []*identity.Identity{w.kubeDNS}
	for _, f := range w.fqdn {
		peers = append(peers, f.Identity)
	}
	return agent.ViewInput{Policies: w.policies, Endpoint: w.endpoint, Peers: peers}
}

// envoy is Go's TLS standing in for Envoy with the view's NPDS and the
// agent's SDS secrets.
func (w *workloadInputs) envoy(v *agent.View, sds *agent.SDSSecrets) *agent.EnvoyStandIn {
	return &agent.EnvoyStandIn{NPDS: v.NPDS, SDS: sds, FQDN: w.fqdn}
}

// fqdnIdentities returns the stand-in identities of the selectors of
// policy name.
func (w *workloadInputs) fqdnIdentities(name string) []agent.FQDNIdentity {
	var sels []string
	for _, p := range w.policies {
		if p.Name == name {
			for _, s := range fqdnSelectors([]ciliumv2.CiliumNetworkPolicy{p}) {
				sels = append(sels, s.String())
			}
		}
	}
	var out []agent.FQDNIdentity
	for _, f := range w.fqdn {
		for _, s := range sels {
			if f.Selector.String() == s {
				out = append(out, f)
			}
		}
	}
	return out
}
