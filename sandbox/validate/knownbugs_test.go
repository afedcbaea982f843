package validate

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// withSecret adds a Secret tls-secrets/github-tls of type typ ("" names
// none), which the base objects' Certificate also writes.
func withSecret(typ string) func(t *testing.T, objs objects) objects {
	return func(t *testing.T, objs objects) objects {
		s := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "v1", "kind": "Secret",
			"metadata": map[string]any{"name": "github-tls", "namespace": "tls-secrets"},
			"data":     map[string]any{"tls.crt": "", "tls.key": "", "ca.crt": ""},
		}}
		if typ != "" {
			s.Object["type"] = typ
		}
		return append(objs, s)
	}
}

// knownBugCases: lint warns where the objects meet a known bug of the
// release, naming it, its reference and the release that fixes it.
func knownBugCases() []checkCase {
	twoMakers := want{CheckSecretSource, "intercept", "is made by more than one object"}
	return []checkCase{
		{name: "known-bug K3: serverNames with a matchPattern on 1.17.17", version: "1.17.17", mutate: withServerNames("api.github.com"),
			want: []want{{CheckKnownBug, "intercept", `egress[0].toPorts[0]: serverNames ["api.github.com"] with toFQDNs matchPattern "*.github.com" on Cilium 1.17.17 meets known bug K3 (cilium/cilium#44462): serverNames policies miss new addresses of a matchPattern (fixed in 1.18.8)`}}},
		{name: "known-bug K3 on 1.18.7", version: "1.18.7", mutate: withServerNames("api.github.com"),
			want: []want{{CheckKnownBug, "intercept", "K3 (cilium/cilium#44462)"}}},
		{name: "known-bug K3 fixed in 1.18.8", version: "1.18.8", mutate: withServerNames("api.github.com")},
		{name: "known-bug K3 on 1.19.1", version: "1.19.1", mutate: withServerNames("api.github.com"),
			want: []want{{CheckKnownBug, "intercept", "(fixed in 1.19.2)"}}},
		{name: "known-bug K3 not on 1.16", version: "1.16.19", mutate: withServerNames("api.github.com")},
		{name: "known-bug K2 on 1.16.3", version: "1.16.3",
			want: []want{{CheckKnownBug, "intercept", "on Cilium 1.16.3 meets known bug K2 (cilium/proxy#890): SNI enforcement broken in Envoy's TLS wrapper (fixed in 1.16.4)"}}},
		{name: "known-bug K9: an Opaque secret a Certificate writes, on 1.18.11", version: "1.18.11", mutate: withSecret("Opaque"),
			want: []want{twoMakers, {CheckKnownBug, "intercept", "terminatingTLS secret tls-secrets/github-tls is made as a Secret of type Opaque that Certificate tls-secrets/github also writes: cert-manager keeps that type, but makes the secret again as kubernetes.io/tls once it is deleted, and on Cilium 1.18.11 the operator's copy then keeps the old type and data: known bug K9 (cilium/cilium#45721)"}}},
		{name: "known-bug K9: a Secret naming no type is Opaque", version: "1.17.17", mutate: withSecret(""),
			want: []want{twoMakers, {CheckKnownBug, "intercept", "type Opaque"}}},
		{name: "known-bug K9 fixed in 1.19.4", version: "1.19.4", mutate: withSecret("Opaque"), want: []want{twoMakers}},
		{name: "known-bug K9: a kubernetes.io/tls Secret keeps its type", version: "1.18.11", mutate: withSecret("kubernetes.io/tls"), want: []want{twoMakers}},
		{name: "known-bug K9: no copy without secret sync", version: "1.18.11", mutate: withSecret("Opaque"),
			opts: Options{WithoutSecretSync: true, SecretsNamespace: "tls-secrets"}, want: []want{twoMakers}},
	}
}

func TestKnownBugChecks(t *testing.T) {
	for _, c := range knownBugCases() {
		t.Run(c.name, func(t *testing.T) {
			objs := baseObjects(t)
			if c.mutate != nil {
				objs = c.mutate(t, objs)
			}
			assertProblems(t, run(t, objs, c.version, c.opts), c.want)
		})
	}
}
