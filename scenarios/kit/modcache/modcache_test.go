package modcache

import (
	"os"
	"path/filepath"
	"testing"
)

func TestLink(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	gomod := filepath.Join(t.TempDir(), "go.mod")
	if err := os.WriteFile(gomod, []byte("module m\n\ngo 1.26\n\nrequire (\n\tgithub.com/BurntSushi/toml v1.0.0\n\texample.com/absent v0.1.0\n)\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	reqs, err := OfGoMod(gomod)
	if err != nil || len(reqs) != 2 {
		t.Fatalf("OfGoMod = %v, %v", reqs, err)
	}
	// The machine's cache holds the required version and another one.
	for _, d := range []string{"github.com/!burnt!sushi/toml@v1.0.0", "github.com/!burnt!sushi/toml@v1.9.0"} {
		if err := os.MkdirAll(filepath.Join(src, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	absent, err := Link(dst, src, reqs)
	if err != nil {
		t.Fatal(err)
	}
	if len(absent) != 1 || absent[0].Path != "example.com/absent" {
		t.Errorf("absent = %v, want example.com/absent", absent)
	}
	if _, err := os.Stat(filepath.Join(dst, "github.com/!burnt!sushi/toml@v1.0.0")); err != nil {
		t.Errorf("required version not linked: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dst, "github.com/!burnt!sushi/toml@v1.9.0")); err == nil {
		t.Error("a version go.mod does not require was linked")
	}
}

func TestFindGoMod(t *testing.T) {
	p, err := FindGoMod(".")
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(p) != "go.mod" {
		t.Fatalf("FindGoMod = %s", p)
	}
}
