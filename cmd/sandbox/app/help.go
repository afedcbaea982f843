package app

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/cilium-tls-intercept/sandbox/sandbox/scenario"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// exitCodesHeading starts the section of every command's help that says
// what its exit codes mean.
const exitCodesHeading = "Exit codes:"

// exitCodes is that section: what 0, 1 and 2 mean for one command. A
// command that has no failure of its own beside "could not run" gives ""
// for failed.
func exitCodes(ok, failed, usage string) string {
	s := fmt.Sprintf("\n\n%s\n  0  %s\n", exitCodesHeading, ok)
	if failed != "" {
		s += fmt.Sprintf("  1  %s\n", failed)
	}
	return s + fmt.Sprintf("  2  %s", usage)
}

// helpExitCodes gives the commands cobra makes itself (help, completion
// and its shells) the section the project's own commands write by hand.
func helpExitCodes(root *cobra.Command) {
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() != "help" && c.Name() != "completion" {
			continue
		}
		for _, cmd := range append([]*cobra.Command{c}, c.Commands()...) {
			if !strings.Contains(cmd.Long, exitCodesHeading) {
				cmd.Long = strings.TrimSpace(cmp.Or(cmd.Long, cmd.Short)) + exitCodes("printed", "", "unknown command or flag")
			}
		}
	}
}

// completeFixed offers values as the shell completion of flag name.
func completeFixed(cmd *cobra.Command, name string, values ...string) {
	_ = cmd.RegisterFlagCompletionFunc(name, cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
}

// completeCilium offers the Cilium releases the project knows as the
// completion of flag name: each supported minor, then its patch releases
// up to the default one, newest first (from sandbox/versions).
func completeCilium(cmd *cobra.Command, name string) {
	completeFixed(cmd, name, ciliumCompletions()...)
}

func ciliumCompletions() []string {
	var out []string
	releases := versions.DefaultReleases()
	slices.Reverse(releases)
	for _, d := range releases {
		out = append(out, fmt.Sprintf("%s\tits default patch, %s", d.MinorString(), d))
	}
	for _, d := range releases {
		for p := d.Patch; p >= 0; p-- {
			out = append(out, versions.Cilium{Major: d.Major, Minor: d.Minor, Patch: p}.String())
		}
	}
	return out
}

// scenarioLabels are the values of the scenarios' --labels filter that
// select one scenario.
func scenarioLabels() []string {
	var out []string
	for _, id := range scenario.All() {
		out = append(out, scenario.Label+"="+id)
	}
	return out
}

// renamedFlag keeps old, the earlier name of flag name, working: hidden
// from help, it sets the same value and says on stderr that it was renamed.
func renamedFlag(cmd *cobra.Command, w io.Writer, old, name string) {
	f := cmd.Flags().Lookup(name)
	cmd.Flags().AddFlag(&pflag.Flag{Name: old, Usage: f.Usage, DefValue: f.DefValue, Hidden: true,
		Value: renamedValue{Value: f.Value, w: w, old: old, name: name}})
}

// renamedValue is the value of a flag's earlier name.
type renamedValue struct {
	pflag.Value
	w         io.Writer
	old, name string
}

// Set sets the flag's value and says the name is deprecated.
func (r renamedValue) Set(s string) error {
	fmt.Fprintf(r.w, "note: --%s is deprecated and will be removed: use --%s\n", r.old, r.name)
	return r.Value.Set(s)
}
