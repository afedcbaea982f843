package matrix

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// matrixWorkflow is the part of .github/workflows/matrix.yaml checked here.
type matrixWorkflow struct {
	Jobs map[string]struct {
		Strategy struct {
			Matrix struct {
				Cilium []string `json:"cilium"`
			} `json:"matrix"`
		} `json:"strategy"`
		Steps []struct {
			Uses string            `json:"uses"`
			With map[string]string `json:"with"`
		} `json:"steps"`
	} `json:"jobs"`
}

// TestWorkflowMatrixIsTheDefaultReleases keeps the GitHub Actions matrix
// (one job per release) on the releases `sandbox matrix` runs by default,
// and checks that the per-release and the merge jobs upload results.json
// and the Markdown table.
func TestWorkflowMatrixIsTheDefaultReleases(t *testing.T) {
	path := filepath.Join("..", "..", ".github", "workflows", "matrix.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var wf matrixWorkflow
	if err := yaml.Unmarshal(data, &wf); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var want []string
	for _, v := range versions.DefaultReleases() {
		want = append(want, v.String())
	}
	if got := wf.Jobs["release"].Strategy.Matrix.Cilium; !slices.Equal(got, want) {
		t.Errorf("%s: jobs.release matrix cilium = %v, want versions.DefaultReleases() %v", path, got, want)
	}
	for _, name := range []string{"release", "merge"} {
		var paths []string
		for _, s := range wf.Jobs[name].Steps {
			if strings.HasPrefix(s.Uses, "actions/upload-artifact@") {
				for _, line := range strings.Split(s.With["path"], "\n") {
					if line = strings.TrimSpace(line); line != "" {
						paths = append(paths, line)
					}
				}
			}
		}
		for _, file := range []string{"results.json", "matrix.md"} {
			if !slices.ContainsFunc(paths, func(p string) bool { return strings.HasSuffix(p, "/"+file) }) {
				t.Errorf("%s: job %q does not upload %s (uploaded paths %q)", path, name, file, paths)
			}
		}
	}
}
