package app

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

func newVersionsCmd(s streams, _ *globalOptions) *cobra.Command {
	var output string
	var sources bool
	cmd := &cobra.Command{
		Use:   "versions [RELEASE]",
		Short: "Print what is known about Cilium releases: served patches, defaults, known bugs",
		Long: `Without a release: the supported minors (each one's default patch, the patch releases
the Go module proxy serves, the kind node image), then the table of known bugs and
behaviour changes (sandbox/versions/knownbugs.yaml), one row each with its range;
--sources adds the source that confirmed each range (a CHANGELOG section or the file
compared between two module versions).

With a release (1.18.6, or 1.18 for its default patch): whether the module proxy
serves it, its node image and policy features, and every known bug and change that
holds on it, with what happens, the fix and the release that fixes it.` +
			exitCodes("printed", "", "bad flags, or a release outside the supported minors"),
		Example: `  sandbox versions
  sandbox versions --sources
  sandbox versions 1.18.6
  sandbox versions 1.20.0 -o json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o, err := parseOutput(output)
			if err != nil {
				return err
			}
			if len(args) == 0 {
				if o.structured() {
					return printData(s.out, o, versions.KnownBugs())
				}
				return versions.WriteTable(s.out, versions.TableOptions{Sources: sources})
			}
			v, err := versions.ParseCilium(args[0])
			if err != nil {
				return withCode(ExitUsage, err)
			}
			r := versions.Describe(v)
			if o.structured() {
				return printData(s.out, o, r)
			}
			return r.WriteText(s.out)
		},
	}
	bindOutput(cmd, &output, "output format")
	cmd.Flags().BoolVar(&sources, "sources", false, "add the source that confirmed each row's range")
	return cmd
}

// warnKnownBugs warns on w, before plan or up act, about the known bugs of
// release v that every interception install meets.
func warnKnownBugs(w io.Writer, v versions.Cilium) {
	for _, msg := range versions.InstallWarningTexts(v.OrDefault()) {
		fmt.Fprintln(w, "Warning:", msg)
	}
}
