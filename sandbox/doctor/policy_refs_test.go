package doctor

import (
	"slices"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestPolicySecretRefs(t *testing.T) {
	policy := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy",
		"metadata": map[string]any{"name": "p", "namespace": "apps"},
		"specs": []any{map[string]any{
			"endpointSelector": map[string]any{},
			"egress": []any{map[string]any{"toPorts": []any{map[string]any{
				"ports":          []any{map[string]any{"port": "443", "protocol": "TCP"}},
				"terminatingTLS": map[string]any{"secret": map[string]any{"name": "local"}},
				"originatingTLS": map[string]any{"secret": map[string]any{"namespace": "cert-manager", "name": "upstream"}},
			}}}},
		}},
	}}
	got, err := PolicySecretRefs(policy)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"apps/local", "cert-manager/upstream"}; !slices.Equal(got, want) {
		t.Fatalf("PolicySecretRefs = %v, want %v: a secret without a namespace is in the policy's", got, want)
	}
}
