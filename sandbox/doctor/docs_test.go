package doctor

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDocumentedCounts keeps the numbers the README and the states' README
// give for checks and recorded states true, and every state in the table.
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
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	table, err := os.ReadFile(filepath.Join(statesDir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for file, claims := range map[string][]string{
		"README.md": {
			fmt.Sprintf("against %d recorded cluster states", states),
			fmt.Sprintf("the data-path outputs of %d of\n  them", withDatapath),
			fmt.Sprintf("(%d checks)", len(CheckIDs())),
		},
		"fixtures/states/README.md": {fmt.Sprintf("pass all %d checks", len(CheckIDs()))},
	} {
		text := string(readme)
		if file != "README.md" {
			text = string(table)
		}
		for _, c := range claims {
			if !strings.Contains(text, c) {
				t.Errorf("%s does not say %q", file, c)
			}
		}
	}
	for name := range rootCauses() {
		if !strings.Contains(string(table), "| "+name+" |") {
			t.Errorf("fixtures/states/README.md has no row for %s", name)
		}
	}
}
