package ciliumtls

import (
	"encoding/json"
	"fmt"

	ciliumv2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	"github.com/cilium/cilium/pkg/policy/api"
)

// SendsToEnvoy reports whether a toPorts entry sends its traffic to Envoy as
// TLS: any of terminatingTLS, originatingTLS or serverNames does.
func SendsToEnvoy(pr *api.PortRule) bool {
	return pr.TerminatingTLS != nil || pr.OriginatingTLS != nil || len(pr.ServerNames) > 0
}

// ParsesHTTP reports whether Envoy parses the decrypted traffic of a toPorts
// entry as HTTP, which L7 rules and Hubble's HTTP visibility need: only a
// rules.http list does, even one empty rule ([{}]), which allows every
// request. TLS contexts alone make Envoy a TLS proxy of opaque bytes.
func ParsesHTTP(pr *api.PortRule) bool {
	return pr.Rules != nil && len(pr.Rules.HTTP) > 0
}

// SecretRef is a secret a TLS context names, resolved as the agent of the
// running secrets mode resolves it (ResolveNamespace).
type SecretRef struct {
	Direction Direction
	Namespace string
	Name      string
	// Context is the TLS context that names the secret.
	Context *api.TLSContext
}

// String returns "namespace/name".
func (r SecretRef) String() string { return r.Namespace + "/" + r.Name }

// ResolveNamespace returns the namespace the agent and operator use for a
// secret reference of a policy in policyNamespace ("" for clusterwide
// policies).
//
// Inline, the certificate manager defaults an empty namespace to the
// policy's (certificatemanager getSecrets). Under secret sync it does not:
// the agent keeps the reference as written for the SDS name (pkg/policy/l4.go
// getCerts, Secret: NamespacedName(*tls.Secret); 1.17 l4.go:922, 1.20
// l4.go:986) and the operator's secretsync helpers enqueue it as written, so
// a reference without a namespace is never copied and Envoy is told to use a
// secret nothing supplies. The result is "" then.
func ResolveNamespace(secretNamespace, policyNamespace string, sync bool) string {
	if secretNamespace != "" || sync {
		return secretNamespace
	}
	return policyNamespace
}

// PortSecrets returns the secrets the TLS contexts of a toPorts entry name,
// terminating first, with namespaces resolved for a policy in
// policyNamespace.
func PortSecrets(pr *api.PortRule, policyNamespace string, sync bool) []SecretRef {
	var out []SecretRef
	for _, c := range []struct {
		dir Direction
		ctx *api.TLSContext
	}{{Terminating, pr.TerminatingTLS}, {Originating, pr.OriginatingTLS}} {
		if c.ctx == nil || c.ctx.Secret == nil {
			continue
		}
		out = append(out, SecretRef{Direction: c.dir, Name: c.ctx.Secret.Name, Context: c.ctx,
			Namespace: ResolveNamespace(c.ctx.Secret.Namespace, policyNamespace, sync)})
	}
	return out
}

// RuleSecrets returns the secrets every egress and ingress toPorts entry of
// rules names, each once per direction, in rule order.
func RuleSecrets(rules api.Rules, policyNamespace string, sync bool) []SecretRef {
	seen := map[string]bool{}
	var out []SecretRef
	add := func(pr *api.PortRule) {
		for _, r := range PortSecrets(pr, policyNamespace, sync) {
			key := string(r.Direction) + " " + r.String()
			if !seen[key] {
				seen[key] = true
				out = append(out, r)
			}
		}
	}
	for _, rule := range rules {
		for i := range rule.Egress {
			for j := range rule.Egress[i].ToPorts {
				add(&rule.Egress[i].ToPorts[j])
			}
		}
		for i := range rule.Ingress {
			for j := range rule.Ingress[i].ToPorts {
				add(&rule.Ingress[i].ToPorts[j])
			}
		}
	}
	return out
}

// PolicySecrets returns the secrets the TLS contexts of a
// CiliumNetworkPolicy or CiliumClusterwideNetworkPolicy name, given as its
// unstructured content (a dynamic client's or a manifest's object),
// resolved for the secrets mode (ResolveNamespace).
func PolicySecrets(obj map[string]any, sync bool) ([]SecretRef, error) {
	js, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	// Both kinds share the spec and specs fields; Cilium's own type decodes
	// them with its custom selector unmarshalers.
	var p ciliumv2.CiliumNetworkPolicy
	if err := json.Unmarshal(js, &p); err != nil {
		return nil, fmt.Errorf("decode %s %s: %w", p.Kind, p.Name, err)
	}
	rules := p.Specs
	if p.Spec != nil {
		rules = append(api.Rules{p.Spec}, rules...)
	}
	return RuleSecrets(rules, p.Namespace, sync), nil
}
