package agent

import (
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// fqdnName is a name the policies' toFQDNs select and why it is resolved.
type fqdnName struct {
	name string
	// pattern is the matchPattern it is an example of, "" for a matchName.
	pattern string
}

// exampleLabel stands for a pattern's "*" in the example names.
const exampleLabel = "lint-example"

// policyNames lists the names the policies' toFQDNs select: every
// matchName, and for every matchPattern but "*" one example name
// ("*.amazonaws.com" gives lint-example.amazonaws.com, "**.example.com"
// gives lint-example.lint-example.example.com, two labels deep).
func policyNames(objs []*unstructured.Unstructured) []fqdnName {
	seen := map[string]fqdnName{}
	for _, o := range objs {
		if o.GetKind() != "CiliumNetworkPolicy" && o.GetKind() != "CiliumClusterwideNetworkPolicy" {
			continue
		}
		for _, rule := range policyRules(o) {
			egress, _, _ := unstructured.NestedSlice(rule, "egress")
			for _, e := range egress {
				em, _ := e.(map[string]any)
				sels, _, _ := unstructured.NestedSlice(em, "toFQDNs")
				for _, s := range sels {
					sm, _ := s.(map[string]any)
					if n, _ := sm["matchName"].(string); n != "" {
						n = normalName(n)
						seen[n] = fqdnName{name: n}
					}
					if p, _ := sm["matchPattern"].(string); p != "" && strings.Trim(p, "*.") != "" {
						n := exampleName(p)
						if _, ok := seen[n]; !ok {
							seen[n] = fqdnName{name: n, pattern: p}
						}
					}
				}
			}
		}
	}
	out := make([]fqdnName, 0, len(seen))
	for _, n := range seen {
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// policyRules returns a policy's spec and specs.
func policyRules(o *unstructured.Unstructured) []map[string]any {
	var out []map[string]any
	if spec, ok, _ := unstructured.NestedMap(o.Object, "spec"); ok {
		out = append(out, spec)
	}
	specs, _, _ := unstructured.NestedSlice(o.Object, "specs")
	for _, s := range specs {
		if m, ok := s.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func normalName(n string) string { return strings.TrimSuffix(strings.ToLower(n), ".") }

// exampleName is a name pattern p selects.
func exampleName(p string) string {
	p = normalName(p)
	p = strings.ReplaceAll(p, "**", exampleLabel+"."+exampleLabel)
	return strings.ReplaceAll(p, "*", exampleLabel)
}
