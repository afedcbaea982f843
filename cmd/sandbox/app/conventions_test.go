package app

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"sigs.k8s.io/yaml"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// allCommands returns every command of the tool, cobra's help and
// completion commands included, as `sandbox` builds them.
func allCommands(t *testing.T) []*cobra.Command {
	t.Helper()
	var out []*cobra.Command
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		out = append(out, c)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRootCmd(streams{}))
	return out
}

// TestEveryHelpHasExitCodes: each command's help says what its exit codes
// mean, in a section of its own.
func TestEveryHelpHasExitCodes(t *testing.T) {
	cmds := allCommands(t)
	if len(cmds) < 18 {
		t.Fatalf("walked %d commands", len(cmds))
	}
	for _, c := range cmds {
		if !strings.Contains(c.Long, "\n"+exitCodesHeading+"\n  0  ") {
			t.Errorf("%s: its help has no %q section", c.CommandPath(), exitCodesHeading)
		}
	}
}

// TestShortFlagsMeanOneThing: a short flag means the same across
// commands: -n is the workload's namespace (kubectl's -n), -o the output
// format, -f a file to read.
func TestShortFlagsMeanOneThing(t *testing.T) {
	meaning := map[string]string{"n": "namespace of the intercepted workload", "o": "text, json or yaml", "f": "file", "v": "more output", "h": "help"}
	for _, c := range allCommands(t) {
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if f.Shorthand == "" || f.Hidden {
				return
			}
			want, ok := meaning[f.Shorthand]
			if !ok || !strings.Contains(f.Usage, want) {
				t.Errorf("%s: -%s (--%s, %q) does not mean %q", c.CommandPath(), f.Shorthand, f.Name, f.Usage, want)
			}
		})
	}
}

// TestOutputFormats: wherever -o exists it takes text, json and yaml, and
// completes them; json and yaml carry the same fields.
func TestOutputFormats(t *testing.T) {
	for _, c := range allCommands(t) {
		f := c.Flags().Lookup("output")
		if f == nil {
			continue
		}
		if !strings.Contains(f.Usage, "text, json or yaml") {
			t.Errorf("%s: -o says %q", c.CommandPath(), f.Usage)
		}
		if _, ok := c.GetFlagCompletionFunc("output"); !ok {
			t.Errorf("%s: -o has no completion", c.CommandPath())
		}
	}
	states := "../../../fixtures/states/healthy"
	_, js, _ := run("doctor", "--from", states, "-o", "json")
	_, ys, _ := run("doctor", "--from", states, "-o", "yaml")
	var a, b map[string]any
	if err := json.Unmarshal([]byte(js), &a); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal([]byte(ys), &b); err != nil {
		t.Fatal(err)
	}
	if a["rootCause"] != b["rootCause"] || len(a["findings"].([]any)) != len(b["findings"].([]any)) || len(a["findings"].([]any)) == 0 {
		t.Errorf("doctor -o json and -o yaml differ:\n%s\n%s", js, ys)
	}
}

// TestCompletion: flags with a fixed set of values complete them; the
// Cilium releases come from sandbox/versions.
func TestCompletion(t *testing.T) {
	newest := versions.DefaultReleases()[len(versions.DefaultReleases())-1]
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"__complete", "up", "--cilium-version", ""}, []string{newest.MinorString() + "\tits default patch, " + newest.String(), newest.String()}},
		{[]string{"__complete", "render", "--cilium-version", ""}, []string{versions.DefaultCilium}},
		{[]string{"__complete", "matrix", "--cilium-version", ""}, []string{"1.16\t"}},
		{[]string{"__complete", "lint", "-o", ""}, []string{"text", "json", "yaml"}},
		{[]string{"__complete", "matrix", "--labels", ""}, []string{"scenario=rotation", "scenario=intercept"}},
		{[]string{"__complete", "matrix", "--upstream", ""}, []string{"local", "internet"}},
	}
	for _, c := range cases {
		_, out, _ := run(c.args...)
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: completions lack %q:\n%s", c.args[1:], w, out)
			}
		}
	}
}

// TestRenamedFlagsStillWork: the earlier names of renamed flags still set
// the value, and say on stderr that they are deprecated.
func TestRenamedFlagsStillWork(t *testing.T) {
	code, out, errOut := run("render", "--namespace", "my-release-ns")
	if code != ExitOK || !strings.Contains(out, "kind: CiliumNetworkPolicy") || !strings.Contains(errOut, "note: --namespace is deprecated and will be removed: use --release-namespace") {
		t.Errorf("render --namespace: exit %d, stderr %q", code, errOut)
	}
	code, out, errOut = run("matrix", "--dry-run", "--cilium", "1.18", "-o", "json")
	var plan struct{ Combinations []struct{ Cilium string } }
	if err := json.Unmarshal([]byte(out), &plan); err != nil || code != ExitOK || len(plan.Combinations) != 1 ||
		plan.Combinations[0].Cilium != versions.MustParseCilium("1.18").String() || !strings.Contains(errOut, "use --cilium-version") {
		t.Errorf("matrix --cilium 1.18: exit %d, %v, plan %+v, stderr %q", code, err, plan, errOut)
	}
	if code, _, errOut = run("lint", "--namespace", "x", "-f", "../../../fixtures/lint/secrets-made-elsewhere"); code != ExitOK || !strings.Contains(errOut, "use --default-namespace") {
		t.Errorf("lint --namespace: exit %d, stderr %q", code, errOut)
	}
}
