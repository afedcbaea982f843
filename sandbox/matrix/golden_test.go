package matrix

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// golden compares got with testdata/<name>, rewriting it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./sandbox/matrix -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from the golden file (go test ./sandbox/matrix -update to accept):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// fixture loads a results file from fixtures/matrix (hand-made samples).
func fixture(t *testing.T, name string) *Results {
	t.Helper()
	r, err := LoadResults(filepath.Join("..", "..", "fixtures", "matrix", name))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Runs) == 0 {
		t.Fatalf("fixture %s has no runs", name)
	}
	return r
}

// sampleExpectations are the sample rules of fixtures/matrix, which the
// sample results were made with.
func sampleExpectations(t *testing.T) Expectations {
	t.Helper()
	exp, err := LoadExpectations(filepath.Join("..", "..", "fixtures", "matrix", "expectations.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return exp
}
