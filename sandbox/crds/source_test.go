package crds

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/cilium-tls-intercept/sandbox/cmd/gencrds/source"
)

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// TestCopiesMatchModuleSources fails when a version bump forgot
// `go generate ./sandbox/crds`.
func TestCopiesMatchModuleSources(t *testing.T) {
	for _, f := range source.Files() {
		t.Run(f.To, func(t *testing.T) {
			dir, err := source.ModuleDir(f.Module, f.Version)
			if err != nil {
				t.Skipf("needs the module source in the module cache: %v", err)
			}
			want, err := source.Expected(f, dir)
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(filepath.Join("files", filepath.FromSlash(f.To)))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("files/%s differs from %s@%s %s: run go generate ./sandbox/crds", f.To, f.Module, f.Version, f.From)
			}
		})
	}
}

// TestCertManagerCopiesMatchItsChart proves the deploy/crds copies hold the
// same spec as the CRDs cert-manager's Helm chart installs.
func TestCertManagerCopiesMatchItsChart(t *testing.T) {
	for _, f := range source.Files() {
		if f.StripTemplating {
			continue
		}
		t.Run(f.To, func(t *testing.T) {
			dir, err := source.ModuleDir(f.Module, f.Version)
			if err != nil {
				t.Skipf("needs the module source in the module cache: %v", err)
			}
			tmpl, err := os.ReadFile(filepath.Join(dir, "deploy/charts/cert-manager/templates", "crd-"+filepath.Base(f.From)))
			if err != nil {
				t.Fatal(err)
			}
			fromChart, err := Parse(source.StripTemplating(tmpl))
			if err != nil {
				t.Fatal(err)
			}
			copied, err := os.ReadFile(filepath.Join("files", filepath.FromSlash(f.To)))
			if err != nil {
				t.Fatal(err)
			}
			crd, err := Parse(copied)
			if err != nil {
				t.Fatal(err)
			}
			a, _ := yaml.Marshal(crd.Spec)
			b, _ := yaml.Marshal(fromChart.Spec)
			if !bytes.Equal(a, b) {
				t.Fatalf("%s: spec differs from the chart's CRD template", crd.Name)
			}
		})
	}
}

func TestStripTemplating(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"whole-line actions", "{{- if .Values.crds.enabled }}\nkind: X\n  {{- include \"l\" . | nindent 4 }}\n{{- end }}\n", "kind: X\n"},
		{"inline action is marked", "name: {{ .Release.Name }}\n", "# UNSTRIPPED TEMPLATE: name: {{ .Release.Name }}\n"},
		{"no templating", "a: 1\nb: 2", "a: 1\nb: 2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := string(source.StripTemplating([]byte(c.in))); got != c.want {
				t.Fatalf("StripTemplating = %q, want %q", got, c.want)
			}
		})
	}
}
