package doctor

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/cilium/cilium/pkg/policy/api"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
)

// policyRule is one rule of a CiliumNetworkPolicy or
// CiliumClusterwideNetworkPolicy.
type policyRule struct {
	// Name is "CiliumNetworkPolicy ns/name" for evidence.
	Name string
	// Namespace is the policy's namespace; empty for clusterwide policies.
	Namespace string
	Rule      *api.Rule
}

// tlsPort is a toPorts entry with a TLS context, with the egress rule
// around it.
type tlsPort struct {
	Policy    string
	Namespace string
	Rule      *api.Rule
	Egress    *api.EgressRule
	Port      *api.PortRule
}

// secretRef is a secret a TLS context names. Namespace is the one its author
// meant: as written, or the policy's when it names none, as Cilium's
// certificate manager resolves it inline. Under secret sync Cilium keeps an
// empty namespace instead (see unresolved).
type secretRef struct {
	Policy     string
	Direction  string // "terminatingTLS" or "originatingTLS"
	Namespace  string
	Name       string
	Originated bool
	// Written is the namespace as the policy writes it ("" for none);
	// PolicyNamespace is the policy's ("" for clusterwide policies).
	Written, PolicyNamespace string
	// Context is the TLS context naming the secret.
	Context *api.TLSContext
}

// unresolved reports whether Cilium cannot place the secret in any
// namespace: a clusterwide policy's reference without a namespace, or under
// secret sync any reference without one (ciliumtls.ResolveNamespace).
func (r secretRef) unresolved(sync bool) bool {
	return ciliumtls.ResolveNamespace(r.Written, r.PolicyNamespace, sync) == ""
}

func (r secretRef) String() string { return r.Namespace + "/" + r.Name }

// rules returns every rule of the State's policies.
func (s *State) rules() []policyRule {
	var out []policyRule
	add := func(name, ns string, spec *api.Rule, specs api.Rules) {
		if spec != nil {
			out = append(out, policyRule{Name: name, Namespace: ns, Rule: spec})
		}
		for _, r := range specs {
			out = append(out, policyRule{Name: name, Namespace: ns, Rule: r})
		}
	}
	for _, p := range s.Policies {
		add(ref(string(KindPolicy), p.Namespace, p.Name), p.Namespace, p.Spec, p.Specs)
	}
	for _, p := range s.ClusterPolicies {
		add(ref(string(KindClusterPolicy), "", p.Name), "", p.Spec, p.Specs)
	}
	return out
}

// tlsPorts returns every toPorts entry that sends traffic to Envoy as TLS.
func (s *State) tlsPorts() []tlsPort {
	var out []tlsPort
	for _, r := range s.rules() {
		for i := range r.Rule.Egress {
			eg := &r.Rule.Egress[i]
			for j := range eg.ToPorts {
				p := &eg.ToPorts[j]
				if p.TerminatingTLS != nil || p.OriginatingTLS != nil {
					out = append(out, tlsPort{Policy: r.Name, Namespace: r.Namespace, Rule: r.Rule, Egress: eg, Port: p})
				}
			}
		}
	}
	return out
}

// secretRefs returns the secrets the TLS contexts name, each once per
// direction, with the namespace their authors meant (see secretRef).
func secretRefs(ports []tlsPort) []secretRef {
	seen := map[string]bool{}
	var out []secretRef
	for _, tp := range ports {
		for _, s := range ciliumtls.PortSecrets(tp.Port, tp.Namespace, false) {
			r := secretRef{Policy: tp.Policy, Direction: string(s.Direction), Namespace: s.Namespace, Name: s.Name,
				Originated: s.Direction == ciliumtls.Originating, Written: s.Context.Secret.Namespace,
				PolicyNamespace: tp.Namespace, Context: s.Context}
			key := r.Direction + " " + r.String()
			if !seen[key] {
				seen[key] = true
				out = append(out, r)
			}
		}
	}
	return out
}

// interceptedNames returns the names a terminating context serves: the
// toFQDNs names and patterns of its rule and its serverNames.
func (tp tlsPort) interceptedNames() []string {
	var out []string
	for _, f := range tp.Egress.ToFQDNs {
		if f.MatchName != "" {
			out = append(out, strings.TrimSuffix(f.MatchName, "."))
		}
		if f.MatchPattern != "" {
			out = append(out, strings.TrimSuffix(f.MatchPattern, "."))
		}
	}
	for _, sn := range tp.Port.ServerNames {
		out = append(out, string(sn))
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// podSelector converts a Cilium endpoint selector into a Kubernetes label
// selector over pod labels: the "any:" and "k8s:" source prefixes are
// dropped, and the pod-namespace label is returned separately.
func podSelector(es api.EndpointSelector) (labels.Selector, string, error) {
	if es.LabelSelector == nil {
		return labels.Everything(), "", nil
	}
	js, err := json.Marshal(es.LabelSelector)
	if err != nil {
		return nil, "", err
	}
	var ls metav1.LabelSelector
	if err := json.Unmarshal(js, &ls); err != nil {
		return nil, "", err
	}
	const nsKey = "io.kubernetes.pod.namespace"
	var namespace string
	ml := map[string]string{}
	for k, v := range ls.MatchLabels {
		k = stripSource(k)
		if k == nsKey {
			namespace = v
			continue
		}
		ml[k] = v
	}
	ls.MatchLabels = ml
	for i := range ls.MatchExpressions {
		ls.MatchExpressions[i].Key = stripSource(ls.MatchExpressions[i].Key)
	}
	sel, err := metav1.LabelSelectorAsSelector(&ls)
	if err != nil {
		return nil, "", fmt.Errorf("endpointSelector: %w", err)
	}
	return sel, namespace, nil
}

func stripSource(k string) string {
	for _, p := range []string{"any:", "k8s:"} {
		k = strings.TrimPrefix(k, p)
	}
	return k
}
