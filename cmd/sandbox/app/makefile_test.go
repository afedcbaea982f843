package app

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestMakefilePassesSandboxArgs: every Makefile target that runs the
// sandbox command passes $(SANDBOX_ARGS), so one variable name works for
// all of them (make render used to take ARGS=).
func TestMakefilePassesSandboxArgs(t *testing.T) {
	b, err := os.ReadFile("../../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	recipe := regexp.MustCompile(`(?m)^\t(\$\(SANDBOX\) .*)$`)
	lines := recipe.FindAllStringSubmatch(string(b), -1)
	if len(lines) < 8 {
		t.Fatalf("found %d recipes running $(SANDBOX), want the 8 sandbox targets", len(lines))
	}
	for _, m := range lines {
		if !strings.Contains(m[1], "$(SANDBOX_ARGS)") {
			t.Errorf("recipe %q does not pass $(SANDBOX_ARGS)", m[1])
		}
	}
	if strings.Contains(string(b), "$(ARGS)") {
		t.Error("the Makefile still takes $(ARGS)")
	}
}
