package doctor

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDocumentedCounts keeps the numbers the README, CONTRIBUTING.md and
// the states' README give for checks and recorded states true, and every
// state in the table.
func TestDocumentedCounts(t *testing.T) {
	dirs, err := os.ReadDir(statesDir)
	if err != nil {
		t.Fatal(err)
	}
	states, withDatapath := 0, 0
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		states++
		if _, ok := rootCauses()[d.Name()]; !ok {
			t.Errorf("state %s has no expected root cause in rootCauses", d.Name())
		}
		if _, err := os.Stat(filepath.Join(statesDir, d.Name(), DatapathDir)); err == nil {
			withDatapath++
		}
	}
	read := func(path ...string) string {
		b, err := os.ReadFile(filepath.Join(path...))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	texts := map[string]string{
		"README.md":                 read("..", "..", "README.md"),
		"CONTRIBUTING.md":           read("..", "..", "CONTRIBUTING.md"),
		"fixtures/states/README.md": read(statesDir, "README.md"),
	}
	for file, claims := range map[string][]string{
		"README.md": {fmt.Sprintf("(%d checks)", len(CheckIDs()))},
		"CONTRIBUTING.md": {
			fmt.Sprintf("against %d recorded cluster states", states),
			fmt.Sprintf("the data-path outputs of %d of\n  them", withDatapath),
		},
		"fixtures/states/README.md": {fmt.Sprintf("pass all %d checks", len(CheckIDs()))},
	} {
		for _, c := range claims {
			if !strings.Contains(texts[file], c) {
				t.Errorf("%s does not say %q", file, c)
			}
		}
	}
	table := texts["fixtures/states/README.md"]
	for name := range rootCauses() {
		if !strings.Contains(table, "| "+name+" |") {
			t.Errorf("fixtures/states/README.md has no row for %s", name)
		}
	}
}
