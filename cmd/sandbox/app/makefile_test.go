package app

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// makeTarget is one rule of the Makefile: its prerequisites, its help
// text (after "## ") and its recipe lines.
type makeTarget struct {
	prereqs, help string
	recipe        []string
}

// readMakefile parses the repository's Makefile into its rules.
func readMakefile(t *testing.T) (map[string]*makeTarget, string) {
	t.Helper()
	b, err := os.ReadFile("../../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	rule := regexp.MustCompile(`^([a-zA-Z0-9./_-]+):([^=].*)?$`)
	targets := map[string]*makeTarget{}
	var cur *makeTarget
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "\t") && cur != nil {
			cur.recipe = append(cur.recipe, strings.TrimPrefix(line, "\t"))
			continue
		}
		cur = nil
		if m := rule.FindStringSubmatch(line); m != nil {
			prereqs, help, _ := strings.Cut(m[2], "## ")
			cur = &makeTarget{prereqs: strings.TrimSpace(prereqs), help: help}
			targets[m[1]] = cur
		}
	}
	return targets, string(b)
}

// commandOf finds the sandbox command a recipe line runs, "" if none.
func commandOf(root *cobra.Command, recipe string) (*cobra.Command, bool) {
	rest, ok := strings.CutPrefix(recipe, "$(SANDBOX) ")
	if !ok {
		return nil, false
	}
	cmd, _, err := root.Find(strings.Fields(rest))
	return cmd, err == nil && cmd != root
}

// TestMakefileTargetsPassWhatTheirCommandTakes: every target running the
// sandbox command builds bin/sandbox first and passes only variables whose
// options that command takes: SANDBOX_ARGS to up, plan, status and down,
// which share up's options (so one SANDBOX_ARGS serves all four), the
// other *_ARGS to their own command, and --cilium-version only where it is
// a flag.
func TestMakefileTargetsPassWhatTheirCommandTakes(t *testing.T) {
	targets, text := readMakefile(t)
	root := newRootCmd(streams{})
	up, _, _ := root.Find([]string{"up"})
	argsVar := regexp.MustCompile(`\$\(([A-Z]+_ARGS)\)`)
	owners := map[string][]string{"SANDBOX_ARGS": {"up", "plan", "status", "down"}, "RENDER_ARGS": {"render"},
		"DOCTOR_ARGS": {"doctor"}, "MATRIX_ARGS": {"matrix"}}
	ran := 0
	for name, tg := range targets {
		for _, line := range tg.recipe {
			cmd, ok := commandOf(root, line)
			if !ok {
				continue
			}
			ran++
			if !strings.Contains(tg.prereqs, "bin/sandbox") {
				t.Errorf("target %s runs %q without building bin/sandbox first", name, line)
			}
			m := argsVar.FindStringSubmatch(line)
			if m == nil || !strings.Contains(strings.Join(owners[m[1]], " "), cmd.Name()) {
				t.Errorf("target %s: %q passes %v to %s, whose options it does not hold", name, line, m, cmd.Name())
			}
			if strings.Contains(line, "$(cilium)") && cmd.Flags().Lookup("cilium-version") == nil {
				t.Errorf("target %s passes --cilium-version to %s, which has no such flag", name, cmd.Name())
			}
		}
	}
	if ran < 8 {
		t.Fatalf("found %d recipes running $(SANDBOX), want the 8 sandbox targets", ran)
	}
	for _, name := range owners["SANDBOX_ARGS"] {
		cmd, _, _ := root.Find([]string{name})
		up.Flags().VisitAll(func(f *pflag.Flag) {
			if cmd.Flags().Lookup(f.Name) == nil {
				t.Errorf("sandbox %s lacks up's --%s, which SANDBOX_ARGS may carry", name, f.Name)
			}
		})
	}
	if strings.Contains(text, "$(ARGS)") || strings.Contains(text, "go run ./cmd/sandbox") {
		t.Error("the Makefile still takes $(ARGS) or runs the sandbox with go run")
	}
}

// TestMakeHelpListsEveryTarget: the pattern `make help` greps with matches
// every target that has a "## " description, digits in its name included.
func TestMakeHelpListsEveryTarget(t *testing.T) {
	targets, _ := readMakefile(t)
	help := targets["help"]
	if help == nil || len(help.recipe) == 0 {
		t.Fatal("no help target")
	}
	m := regexp.MustCompile(`grep -E '([^']+)'`).FindStringSubmatch(help.recipe[0])
	if m == nil {
		t.Fatalf("help recipe %q has no grep -E pattern", help.recipe[0])
	}
	pattern := regexp.MustCompile(m[1])
	described := 0
	for name, tg := range targets {
		if tg.help == "" {
			continue
		}
		described++
		if line := name + ": " + tg.prereqs + " ## " + tg.help; !pattern.MatchString(line) {
			t.Errorf("make help omits %s: %q does not match %s", name, line, m[1])
		}
	}
	if _, ok := targets["e2e"]; !ok || described < 20 {
		t.Fatalf("found %d described targets (e2e present: %t)", described, ok)
	}
}

// TestMakeNotesUnusedSandboxArgs: a target whose command does not take
// SANDBOX_ARGS says so, whole, and runs its command without them.
func TestMakeNotesUnusedSandboxArgs(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("needs make on PATH")
	}
	out, err := exec.Command("make", "-s", "-n", "-C", "../../..", "doctor", "SANDBOX_ARGS=--cilium-version 1.18", "DOCTOR_ARGS=-n my-app").CombinedOutput()
	if err != nil {
		t.Fatalf("make -n doctor: %v\n%s", err, out)
	}
	text := string(out)
	if !strings.Contains(text, `echo "note: SANDBOX_ARGS are options of up, plan, status and down; this target takes DOCTOR_ARGS"`) ||
		!strings.Contains(text, "bin/sandbox doctor -n my-app\n") {
		t.Fatalf("make -n doctor printed:\n%s", text)
	}
}
