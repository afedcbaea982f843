// Package modcache gives a test a Go module cache of its own that holds
// exactly the module versions go.mod requires, linked from the machine's
// cache. Code that reads charts or sources from the module cache
// (release.LoadOffline, the CRD sources) then sees the same modules on
// every machine that ran `go mod download`, whatever other versions (other
// Cilium releases, say) the machine's cache also holds.
package modcache

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"

	"github.com/cilium-tls-intercept/sandbox/sandbox/release"
)

// Requirement is one module version go.mod requires.
type Requirement struct {
	Path, Version string
}

// Dir is the module's directory name inside a module cache.
func (r Requirement) Dir() (string, error) {
	p, err := module.EscapePath(r.Path)
	if err != nil {
		return "", err
	}
	v, err := module.EscapeVersion(r.Version)
	if err != nil {
		return "", err
	}
	return filepath.FromSlash(p) + "@" + v, nil
}

// OfGoMod returns the requirements of the go.mod file at path.
func OfGoMod(path string) ([]Requirement, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := modfile.ParseLax(path, data, nil)
	if err != nil {
		return nil, err
	}
	out := make([]Requirement, 0, len(f.Require))
	for _, r := range f.Require {
		out = append(out, Requirement{Path: r.Mod.Path, Version: r.Mod.Version})
	}
	return out, nil
}

// FindGoMod returns the go.mod of the module holding dir: dir's or the
// nearest parent's.
func FindGoMod(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, "go.mod")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod in %s or its parents", dir)
		}
		dir = parent
	}
}

// Link fills dst with symbolic links to the modules of reqs found in src
// (a module cache directory) and returns the requirements src lacks.
func Link(dst, src string, reqs []Requirement) (absent []Requirement, err error) {
	for _, r := range reqs {
		rel, err := r.Dir()
		if err != nil {
			return nil, fmt.Errorf("module %s %s: %w", r.Path, r.Version, err)
		}
		from := filepath.Join(src, rel)
		if _, err := os.Stat(from); err != nil {
			absent = append(absent, r)
			continue
		}
		to := filepath.Join(dst, rel)
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			return nil, err
		}
		if err := os.Symlink(from, to); err != nil {
			return nil, err
		}
	}
	return absent, nil
}

// Requirements points GOMODCACHE, for the rest of the test, at a new
// directory holding links to go.mod's required module versions from the
// machine's module cache, and returns it. It skips the test when one of
// need (module paths) is required but not downloaded, naming it.
func Requirements(t testing.TB, need ...string) string {
	t.Helper()
	gomod, err := FindGoMod(".")
	if err != nil {
		t.Fatal(err)
	}
	reqs, err := OfGoMod(gomod)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	absent, err := Link(dir, release.ModuleCache(), reqs)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range absent {
		for _, n := range need {
			if a.Path == n {
				t.Skipf("needs %s %s in the Go module cache (go mod download)", a.Path, a.Version)
			}
		}
	}
	t.Setenv("GOMODCACHE", dir)
	return dir
}
