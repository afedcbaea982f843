package intercept

import (
	"os"
	"path/filepath"
	"testing"
)

// writeValues writes a values file in the test's temporary directory.
func writeValues(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "values.yaml")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
