package validate

import (
	"os"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// sharedValidator compiles each CRD schema once for all tests; Validator is
// safe for concurrent use.
var sharedValidator = NewValidator()

// baseObjects loads testdata/objects.yaml, a set every check passes.
func baseObjects(t *testing.T) []*unstructured.Unstructured {
	t.Helper()
	data, err := os.ReadFile("testdata/objects.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var out []*unstructured.Unstructured
	for _, doc := range strings.Split(string(data), "\n---\n") {
		m := map[string]any{}
		if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
			t.Fatalf("parse testdata/objects.yaml: %v", err)
		}
		out = append(out, &unstructured.Unstructured{Object: m})
	}
	return out
}

// parseObject parses one YAML document.
func parseObject(t *testing.T, doc string) *unstructured.Unstructured {
	t.Helper()
	m := map[string]any{}
	if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatalf("parse object: %v\n%s", err, doc)
	}
	return &unstructured.Unstructured{Object: m}
}

// find returns the object of a kind and name, failing the test when absent.
func find(t *testing.T, objs []*unstructured.Unstructured, kind, name string) *unstructured.Unstructured {
	t.Helper()
	for _, o := range objs {
		if o.GetKind() == kind && o.GetName() == name {
			return o
		}
	}
	t.Fatalf("no %s %s in the objects", kind, name)
	return nil
}

// without returns objs minus the object of a kind and name.
func without(objs []*unstructured.Unstructured, kind, name string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() != kind || o.GetName() != name {
			out = append(out, o)
		}
	}
	return out
}

// set sets a value at a path of map keys (string) and list indexes (int);
// a nil value deletes the key.
func set(t *testing.T, obj *unstructured.Unstructured, value any, path ...any) {
	t.Helper()
	var cur any = obj.Object
	for i, p := range path {
		last := i == len(path)-1
		switch k := p.(type) {
		case string:
			m, ok := cur.(map[string]any)
			if !ok {
				t.Fatalf("path %v: element %d is not a map", path, i)
			}
			if last {
				if value == nil {
					delete(m, k)
				} else {
					m[k] = value
				}
				return
			}
			cur = m[k]
		case int:
			l, ok := cur.([]any)
			if !ok || k >= len(l) {
				t.Fatalf("path %v: element %d is not a list of %d+ items", path, i, k+1)
			}
			if last {
				l[k] = value
				return
			}
			cur = l[k]
		}
	}
}

// run validates objs for a Cilium release and fails on an error.
func run(t *testing.T, objs []*unstructured.Unstructured, version string, opts Options) []Problem {
	t.Helper()
	opts.Cilium = versions.MustParseCilium(version)
	ps, err := sharedValidator.Objects(objs, opts)
	if err != nil {
		t.Fatalf("Objects: %v", err)
	}
	return ps
}

// tlsPort is the path of the base intercept policy's TLS port rule.
func tlsPort(field ...any) []any {
	return append([]any{"spec", "egress", 0, "toPorts", 0}, field...)
}
