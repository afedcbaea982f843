package lint

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/cilium-tls-intercept/sandbox/sandbox/dnsanswer"
	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
	"github.com/cilium-tls-intercept/sandbox/sandbox/validate"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/golden"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

const fixtures = "../../fixtures/lint"

// validator is shared: it keeps the compiled CRD schemas.
var validator = validate.NewValidator()

// fixtureCase is what a set of fixtures/lint must give: the release and
// mode it is linted for, its root cause, and every finding as
// "<status> <check>", each once.
type fixtureCase struct {
	cilium   string
	noSync   bool
	root     string
	findings []string
	// resolve are --resolve values the set is linted with.
	resolve []string
}

func fixtureCases() map[string]fixtureCase {
	return map[string]fixtureCase{
		"poc-layout":                            {"1.18", false, "secrets-namespace", []string{"fail secrets-namespace", "fail tls-secret-source", "warn issuer-secret"}, nil},
		"terminating-secret-without-key":        {"1.20", false, "tls-secret-keys", []string{"fail tls-secret-keys"}, nil},
		"originating-leaf-secret":               {"1.18", false, "tls-secret-keys", []string{"fail tls-secret-keys"}, nil},
		"originating-bundle-key":                {"1.20", false, "tls-secret-keys", []string{"fail tls-secret-keys"}, nil},
		"san-apex-missing":                      {"1.19", false, "san-coverage", []string{"fail san-coverage"}, nil},
		"no-dns-rule":                           {"1.20", false, "dns-rule", []string{"fail dns-rule"}, nil},
		"dns-rule-policy-namespace":             {"1.20", false, "dns-rule", []string{"fail dns-rule"}, nil},
		"no-http-rule":                          {"1.17", false, "http-visibility", []string{"fail http-visibility"}, nil},
		"selector-mismatch":                     {"1.20", false, "endpoint-selector", []string{"fail endpoint-selector"}, nil},
		"issuer-kind-default":                   {"1.20", false, "issuer-ref", []string{"fail issuer-ref"}, nil},
		"certificate-in-app-namespace":          {"1.20", false, "tls-secret-source", []string{"fail tls-secret-source"}, nil},
		"secret-without-namespace":              {"1.19", false, "secrets-namespace", []string{"fail secrets-namespace"}, nil},
		"read-only-without-sync":                {"1.17", true, "secrets-namespace", []string{"fail secrets-namespace"}, nil},
		"server-names-wildcard-1.17":            {"1.17", false, "server-names-version", []string{"fail server-names-version", "warn known-bug"}, nil},
		"server-names-pattern-1.17":             {"1.17", false, "", []string{"warn known-bug"}, nil},
		"http-rule-without-termination":         {"1.20", false, "http-on-tls", []string{"fail http-on-tls"}, nil},
		"double-star-pattern-1.18":              {"1.18", false, "match-pattern-version", []string{"fail match-pattern-version", "fail san-coverage"}, nil},
		"server-names-with-http-no-termination": {"1.20", false, "cilium-sanitize", []string{"fail cilium-sanitize"}, nil},
		"field-name-typo":                       {"1.20", false, "crd-unknown-field", []string{"fail crd-unknown-field"}, nil},
		"ca-constraints-exclude-leaf":           {"1.20", false, "name-constraints", []string{"fail name-constraints"}, nil},
		"ca-secret-wrong-namespace":             {"1.20", false, "issuer-secret", []string{"fail issuer-secret"}, nil},
		"host-network-runner":                   {"1.20", false, "endpoint-selector", []string{"fail endpoint-selector"}, nil},
		"secrets-made-elsewhere":                {"1.20", false, "", []string{"assume tls-secret-source"}, nil},
		"shared-address": {"1.20", false, "shared-address", []string{"fail shared-address"},
			[]string{"api.github.com=172.18.0.9", "sts.amazonaws.com=172.18.0.9", "storage.googleapis.com=172.18.0.9", "example.com=172.18.0.9"}},
	}
}

func lintFixture(t *testing.T, name string, c fixtureCase) *Report {
	t.Helper()
	answers, err := dnsanswer.FromResolve(c.resolve)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(context.Background(), Options{Paths: []string{filepath.Join(fixtures, name)},
		Cilium: versions.MustParseCilium(c.cilium), WithoutSecretSync: c.noSync, Validator: validator, Answers: answers})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestFixtures lints every set of fixtures/lint for its release and checks
// its root cause and findings, and the text report against
// testdata/<set>.txt (-update rewrites it).
func TestFixtures(t *testing.T) {
	cases := fixtureCases()
	dirs, err := os.ReadDir(fixtures)
	if err != nil {
		t.Fatal(err)
	}
	broken := 0
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		c, ok := cases[d.Name()]
		if !ok {
			t.Errorf("fixtures/lint/%s has no case in fixtureCases", d.Name())
			continue
		}
		if _, err := os.Stat(filepath.Join(fixtures, d.Name(), "CASE.md")); err != nil {
			t.Errorf("fixtures/lint/%s: %v: each set says its cause", d.Name(), err)
		}
		if c.root != "" {
			broken++
		}
		t.Run(d.Name(), func(t *testing.T) {
			rep := lintFixture(t, d.Name(), c)
			if rep.RootCause != c.root {
				t.Errorf("root cause %q, want %q", rep.RootCause, c.root)
			}
			if got := findingKinds(rep); !slices.Equal(got, sorted(c.findings)) {
				t.Errorf("findings %v, want %v", got, sorted(c.findings))
			}
			var b bytes.Buffer
			if err := rep.WriteText(&b, TextOptions{Fixes: true}); err != nil {
				t.Fatal(err)
			}
			compareGolden(t, filepath.Join("testdata", d.Name()+".txt"), bytes.ReplaceAll(b.Bytes(), []byte("../../"), nil))
		})
	}
	for name := range cases {
		if _, err := os.Stat(filepath.Join(fixtures, name)); err != nil {
			t.Errorf("case %s: %v", name, err)
		}
	}
	if broken < 15 {
		t.Errorf("%d broken sets under fixtures/lint, want at least 15", broken)
	}
}

// findingKinds lists "<status> <check>" of the findings, each once, sorted.
func findingKinds(rep *Report) []string {
	var out []string
	for _, f := range rep.Findings {
		k := string(f.Status) + " " + f.Check
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
		if f.Fix == "" {
			out = append(out, "no fix for "+k)
		}
	}
	return sorted(out)
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	sort.Strings(out)
	return out
}

// TestChartRenderLintsClean: what sandbox render prints for every release
// lints with no finding at all, read from standard input as in
// `sandbox render | sandbox lint -f -`.
func TestChartRenderLintsClean(t *testing.T) {
	for _, v := range versions.DefaultReleases() {
		t.Run(v.MinorString(), func(t *testing.T) {
			r, err := intercept.Render(context.Background(), intercept.RenderOptions{Cilium: v})
			if err != nil {
				t.Fatal(err)
			}
			rep, err := Run(context.Background(), Options{Paths: []string{Stdin}, Stdin: strings.NewReader(r.Manifest), Cilium: v, Validator: validator})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Findings) > 0 || rep.Failed() || rep.Objects < 10 {
				t.Fatalf("%d objects, findings %+v", rep.Objects, rep.Findings)
			}
		})
	}
}

func TestRunCannotRun(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name string
		opts Options
		want string
	}{
		{"missing file", Options{Paths: []string{filepath.Join(dir, "absent.yaml")}}, "absent.yaml: no such file"},
		{"not YAML", Options{Paths: []string{write("bad.yaml", "kind: [\n")}}, "bad.yaml: manifest document 1"},
		{"a Helm template", Options{Paths: []string{write("chart/templates/p.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n")}}, "a Helm template? lint what it renders"},
		{"an empty directory", Options{Paths: []string{filepath.Join(dir, "empty")}}, "has no .yaml, .yml or .json file"},
		{"nothing on stdin", Options{Paths: []string{Stdin}, Stdin: strings.NewReader("# nothing\n")}, "no Kubernetes objects in standard input"},
	}
	if err := os.MkdirAll(filepath.Join(dir, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Run(context.Background(), c.opts)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error = %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestReportJSON(t *testing.T) {
	rep := lintFixture(t, "poc-layout", fixtureCases()["poc-layout"])
	var b bytes.Buffer
	if err := rep.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var got struct {
		CiliumVersion string
		RootCause     string
		Findings      []struct{ Check, Object, Status, Reason, Fix string }
	}
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.CiliumVersion != "1.18.11" || got.RootCause != "secrets-namespace" || len(got.Findings) != len(rep.Findings) || got.Findings[0].Fix == "" {
		t.Fatalf("json report %+v", got)
	}
}

func compareGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	golden.Check(t, path, got, *update)
}
