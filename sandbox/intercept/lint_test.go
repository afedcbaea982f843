package intercept

import (
	"slices"
	"testing"

	"helm.sh/helm/v3/pkg/lint/support"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// TestLint runs helm lint with schema validation for every minor and for a
// values case, and fails on any error or warning.
func TestLint(t *testing.T) {
	for _, v := range versions.DefaultReleases() {
		t.Run(v.MinorString(), func(t *testing.T) {
			msgs, err := Lint(RenderOptions{Cilium: v, ValuesFiles: []string{fixturesDir + "/extra-groups.yaml"}})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range msgs {
				t.Logf("lint: %s", m)
				if m.Severity >= support.WarningSev {
					t.Errorf("lint: %s", m)
				}
			}
		})
	}
}

// TestLintReportsInvalidValues proves the lint run validates values: a
// value the schema rejects must give an error message.
func TestLintReportsInvalidValues(t *testing.T) {
	msgs, err := Lint(RenderOptions{Set: []string{"certificates.duration=1y"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(msgs, func(m support.Message) bool { return m.Severity == support.ErrorSev }) {
		t.Fatalf("lint of certificates.duration=1y reported no error: %v", msgs)
	}
}

func TestChartFiles(t *testing.T) {
	files, err := chartFiles()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Chart.yaml", "values.yaml", "values.schema.json", "README.md", "templates/NOTES.txt", "templates/policies.yaml"} {
		if !slices.Contains(files, want) {
			t.Errorf("embedded chart lacks %s (has %v)", want, files)
		}
	}
}
