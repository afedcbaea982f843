package validate

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"

	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/golden"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// TestBrokenGolden validates testdata/broken-<version>.yaml and compares the
// problems with testdata/broken-<version>.golden (refresh with -update).
func TestBrokenGolden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/broken-*.yaml")
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no testdata/broken-*.yaml: %v", err)
	}
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".yaml")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			objs, err := ParseManifest(data)
			if err != nil {
				t.Fatal(err)
			}
			v := versions.MustParseCilium(strings.TrimPrefix(name, "broken-"))
			ps, err := sharedValidator.Objects(objs, Options{Cilium: v})
			if err != nil {
				t.Fatal(err)
			}
			got := problemList(ps)
			golden.Check(t, strings.TrimSuffix(in, ".yaml")+".golden", []byte(got), *update)
		})
	}
}

func TestParseManifest(t *testing.T) {
	cases := []struct {
		name, in string
		kinds    []string
		wantErr  string
	}{
		{"documents and empty ones", "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n# only a comment\n---\n{\"apiVersion\": \"v1\", \"kind\": \"Secret\", \"metadata\": {\"name\": \"b\"}}\n", []string{"Namespace", "Secret"}, ""},
		{"list items", "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: p}\n", []string{"Pod"}, ""},
		{"no kind", "apiVersion: v1\nmetadata: {name: a}\n", nil, "manifest document 1: no apiVersion and kind"},
		{"bad yaml", "apiVersion: v1\nkind: [\n", nil, "manifest document 1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			objs, err := ParseManifest([]byte(c.in))
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("ParseManifest error = %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var kinds []string
			for _, o := range objs {
				kinds = append(kinds, o.GetKind())
			}
			if strings.Join(kinds, ",") != strings.Join(c.kinds, ",") {
				t.Fatalf("kinds = %v, want %v", kinds, c.kinds)
			}
		})
	}
}
