// Package golden compares test output with golden files under testdata/,
// rewrites them when the test runs with -update, and reports a mismatch as
// a unified diff of the golden file against the output, so a one-line
// change shows as one line and not as the whole file.
package golden

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/pmezard/go-difflib/difflib"
)

// Check compares got with the golden file at path. With update set it
// writes got to path instead (creating its directory) and passes. A missing
// golden file or a mismatch fails the test; the failure holds the diff and
// says how to accept the new output.
func Check(t testing.TB, path string, got []byte, update bool) {
	t.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update creates it)", err)
	}
	if d := Diff(path, want, got); d != "" {
		t.Errorf("output differs from %s (go test -update rewrites it; review the diff):\n%s", path, d)
	}
}

// Diff returns the unified diff from want (the golden file at path) to
// got with three lines of context, or "" when they are equal. A difference
// only in trailing newlines is reported as such.
func Diff(path string, want, got []byte) string {
	if bytes.Equal(want, got) {
		return ""
	}
	if bytes.Equal(bytes.TrimRight(want, "\n"), bytes.TrimRight(got, "\n")) {
		return "the files differ only in their trailing newlines"
	}
	d, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A: difflib.SplitLines(string(want)), B: difflib.SplitLines(string(got)),
		FromFile: path, ToFile: "got", Context: 3,
	})
	if err != nil || d == "" {
		return "the files differ, but not line by line (line endings?)"
	}
	return d
}
