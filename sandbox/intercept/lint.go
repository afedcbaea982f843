package intercept

import (
	"cmp"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"

	"github.com/cilium-tls-intercept/sandbox"
)

// Lint runs `helm lint` (Helm's lint package, with values.schema.json
// validation) on the embedded chart with the merged values of opts, for the
// Kubernetes version Render would use. It returns every message; callers
// decide which severities fail (support.ErrorSev always should).
func Lint(opts RenderOptions) ([]support.Message, error) {
	vals, _, kube, err := prepare(opts)
	if err != nil {
		return nil, err
	}
	kv, err := chartutil.ParseKubeVersion(kube)
	if err != nil {
		return nil, fmt.Errorf("kube version %q: %w", kube, err)
	}
	dir, err := os.MkdirTemp("", "cilium-tls-intercept-lint-")
	if err != nil {
		return nil, fmt.Errorf("lint: %w", err)
	}
	defer os.RemoveAll(dir)
	chartDir := filepath.Join(dir, "cilium-tls-intercept")
	if err := os.CopyFS(chartDir, sandbox.InterceptChart()); err != nil {
		return nil, fmt.Errorf("lint: write chart: %w", err)
	}
	linter := lint.AllWithKubeVersionAndSchemaValidation(chartDir, vals, cmp.Or(opts.Namespace, DefaultNamespace), kv, false)
	return linter.Messages, nil
}

// chartFiles lists the embedded chart's files, for tests and diagnostics.
func chartFiles() ([]string, error) {
	var out []string
	err := fs.WalkDir(sandbox.InterceptChart(), ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return err
	})
	return out, err
}
