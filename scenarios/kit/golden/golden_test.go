package golden

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDiff(t *testing.T) {
	var want, got strings.Builder
	for i := range 300 {
		line := "line " + string(rune('a'+i%26)) + "\n"
		want.WriteString(line)
		if i == 150 {
			line = "changed\n"
		}
		got.WriteString(line)
	}
	d := Diff("testdata/x.json", []byte(want.String()), []byte(got.String()))
	for _, w := range []string{"--- testdata/x.json", "+++ got", "-line u", "+changed", "@@ -148,7 +148,7 @@"} {
		if !strings.Contains(d, w) {
			t.Errorf("diff lacks %q:\n%s", w, d)
		}
	}
	if n := strings.Count(d, "\n"); n > 12 {
		t.Errorf("a one-line change gave a %d-line diff:\n%s", n, d)
	}
	if d := Diff("p", []byte("a\n"), []byte("a\n")); d != "" {
		t.Errorf("equal inputs gave a diff: %q", d)
	}
	if d := Diff("p", []byte("a"), []byte("a\n")); !strings.Contains(d, "trailing newlines") {
		t.Errorf("a newline difference is not reported: %q", d)
	}
}

// recorder is a testing.TB that keeps failures instead of failing.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, format)
}

func TestCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "testdata", "out.txt")
	Check(t, path, []byte("one\n"), true)
	if b, err := os.ReadFile(path); err != nil || string(b) != "one\n" {
		t.Fatalf("-update wrote %q, %v", b, err)
	}
	Check(t, path, []byte("one\n"), false)
	r := &recorder{TB: t}
	Check(r, path, []byte("two\n"), false)
	if len(r.errors) != 1 || !strings.Contains(r.errors[0], "-update") {
		t.Fatalf("a mismatch reported %q, want one error naming -update", r.errors)
	}
}
