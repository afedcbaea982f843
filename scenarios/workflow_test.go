package scenarios

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
)

// TestWorkflowsLint runs actionlint's Go library over every workflow file
// of the repository, so a broken workflow fails here before it reaches CI.
func TestWorkflowsLint(t *testing.T) {
	dir := filepath.Join("..", ".github", "workflows")
	var files []string
	for _, pattern := range []string{"*.yaml", "*.yml"} {
		m, err := filepath.Glob(filepath.Join(dir, pattern))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if !slices.Contains(files, filepath.Join(dir, "e2e.yaml")) {
		t.Fatalf("workflows %v lack e2e.yaml", files)
	}
	linter, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			errs, err := linter.LintFile(f, nil)
			if err != nil {
				t.Fatal(err)
			}
			var msgs []string
			for _, e := range errs {
				msgs = append(msgs, e.Error())
			}
			if len(msgs) > 0 {
				t.Errorf("actionlint:\n%s", strings.Join(msgs, "\n"))
			}
		})
	}
}

// TestWorkflowsLintCatchesErrors proves the lint above can fail: a workflow
// with an unknown runner label and an undefined matrix key is rejected.
func TestWorkflowsLintCatchesErrors(t *testing.T) {
	dir := filepath.Join(t.TempDir(), ".github", "workflows")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bad := "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ matrix.nope }}\n"
	path := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(path, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	linter, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	errs, err := linter.LintFile(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) == 0 || !strings.Contains(errs[0].Error(), `"nope" is not defined`) {
		t.Errorf("errors %v, want one about the undefined matrix key", errs)
	}
}
