package validate

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// TestUnservedKind: a misspelt kind of a known group is called an unknown
// kind, with the kind it most likely meant, not a wrong apiVersion; an
// unserved version of a known kind names the versions served.
func TestUnservedKind(t *testing.T) {
	cases := []struct{ apiVersion, kind, msg, fix string }{
		{"cilium.io/v2", "CiliumNetworkPolcy", "kind CiliumNetworkPolcy is unknown: group cilium.io has no such kind; did you mean CiliumNetworkPolicy?", "write kind: CiliumNetworkPolicy"},
		{"cert-manager.io/v1", "Certifcate", "kind Certifcate is unknown: group cert-manager.io has no such kind; did you mean Certificate?", "write kind: Certificate"},
		{"cilium.io/v2", "Gateway", "kind Gateway is unknown: group cilium.io has no such kind (its kinds: ", "correct the kind to one of the group's kinds"},
		{"cilium.io/v1", "CiliumNetworkPolicy", "apiVersion cilium.io/v1 kind CiliumNetworkPolicy is not served by the embedded CRDs (they serve CiliumNetworkPolicy at cilium.io/v2)", "use an apiVersion the CRD serves"},
	}
	for _, c := range cases {
		obj := &unstructured.Unstructured{Object: map[string]any{"apiVersion": c.apiVersion, "kind": c.kind,
			"metadata": map[string]any{"name": "x", "namespace": "default"}, "spec": map[string]any{}}}
		ps := run(t, []*unstructured.Unstructured{obj}, "1.20", Options{OpenWorld: true})
		found := false
		for _, p := range ps {
			if p.Check == CheckSchema && strings.Contains(p.Message, c.msg) && strings.Contains(p.Fix, c.fix) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s %s: problems %v, want %q with fix %q", c.apiVersion, c.kind, ps, c.msg, c.fix)
		}
	}
}
