package matrix

import (
	"flag"
	"path/filepath"
	"testing"

	kitgolden "github.com/cilium-tls-intercept/sandbox/scenarios/kit/golden"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// golden compares got with testdata/<name>, rewriting it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	kitgolden.Check(t, filepath.Join("testdata", name), got, *update)
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
