package app

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/cilium-tls-intercept/sandbox/sandbox/matrix"
)

// matrixOptions are the flags of `sandbox matrix`.
type matrixOptions struct {
	matrix.Options
	output          string
	scenariosBinary string
}

func newMatrixCmd(s streams, g *globalOptions) *cobra.Command {
	o := &matrixOptions{}
	cmd := &cobra.Command{
		Use:   "matrix",
		Short: "Run the scenarios across Cilium releases and write a compatibility table",
		Long: `Run the scenario suite on a fresh kind cluster per Cilium release (each with its
paired node image), record each scenario's outcome in <results>/results.json and a
Markdown table in <results>/matrix.md, and delete the clusters afterwards.
Known differences between releases (the table of known bugs, sandbox versions)
show as expected skip/fail with the bug's ID and reference.
Re-running one cell merges into the existing results.

With --agent no cluster is made and no Docker is needed: the scenarios run on
the agent provider (each release's own operator and agent in a helper built
for it, minutes per release the first time, and the Envoy stand-in deciding
for Envoy), into .sandbox/matrix-agent, with expected cells from the known
bugs Cilium's Go code shows. What needs the kernel or Hubble skips there.

  sandbox matrix --cilium-version 1.18 --labels scenario=rotation
  sandbox matrix --agent
  sandbox matrix --dry-run --output json` +
			exitCodes("every cell passed, or differed as expected", "a cell failed, or an expected difference did not show",
				"matrix could not run: bad flags, no Docker daemon"),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runMatrix(cmd, s, g, o) },
	}
	f := cmd.Flags()
	f.StringSliceVar(&o.Cilium, "cilium-version", nil, "Cilium releases, comma-separated (default: one per supported minor)")
	completeCilium(cmd, "cilium-version")
	renamedFlag(cmd, s.err, "cilium", "cilium-version")
	f.StringArrayVar(&o.NodeImages, "node-image", nil, "node image override: REF for all, or 1.18=REF / 1.18.10=REF (repeatable)")
	f.StringVar(&o.Upstream, "upstream", matrix.UpstreamLocal, "scenarios' upstream: local (fake servers) or internet")
	completeFixed(cmd, "upstream", matrix.UpstreamLocal, matrix.UpstreamInternet)
	f.StringVar(&o.ResultsDir, "results", "", "directory for results.json, matrix.md and artifacts (default "+matrix.DefaultResultsDir+", or "+matrix.DefaultAgentResultsDir+" with --agent)")
	f.BoolVar(&o.Agent, "agent", false, "run the scenarios on the agent provider (the release's agent in a helper, the Envoy stand-in): no Docker")
	bindOutput(cmd, &o.output, "output format")
	f.BoolVar(&o.DryRun, "dry-run", false, "print the plan and run nothing (no Docker needed)")
	f.StringVar(&o.Labels, "labels", "", "feature filter passed to the scenarios, e.g. scenario=rotation")
	completeFixed(cmd, "labels", scenarioLabels()...)
	f.DurationVar(&o.UpTimeout, "timeout", 0, "bound of each wait and Helm operation of each release's sandbox up (default: each its own, 4m to 5m)")
	f.BoolVar(&o.KeepFailed, "keep-failed", false, "keep the cluster of a release whose scenarios failed")
	f.StringVar(&o.ExpectationsFile, "expectations", "", "YAML file of known differences replacing the shipped ones")
	f.StringVar(&o.scenariosBinary, "scenarios-binary", "", "prebuilt scenarios test binary (go test -c ./scenarios); built per release when empty")
	cmd.AddCommand(newMatrixMergeCmd(s, g))
	return cmd
}

func runMatrix(cmd *cobra.Command, s streams, g *globalOptions, o *matrixOptions) error {
	format, err := parseOutput(o.output)
	if err != nil {
		return err
	}
	if o.UpTimeout < 0 {
		return withCode(ExitUsage, fmt.Errorf("invalid --timeout %s: give a positive duration, such as 10m", o.UpTimeout))
	}
	o.Scenarios = matrix.GoTest{TestBinary: o.scenariosBinary, Log: suiteLog(s, g)}
	o.Progress = s.err
	if g.verbosity >= 1 {
		o.Logf = func(format string, args ...any) { fmt.Fprintf(s.err, format+"\n", args...) }
	}
	inv, err := matrix.Execute(cmd.Context(), o.Options)
	if err != nil {
		return withCode(matrixExitCode(inv), err)
	}
	if o.DryRun {
		return printMatrix(s, format, inv.Plan.Text, inv.Plan.JSON)
	}
	if err := printMatrix(s, format, inv.Merged.Text, inv.Merged.JSON); err != nil {
		return err
	}
	fmt.Fprintf(s.err, "results: %s/%s, %s/%s\n", inv.Plan.ResultsDir, matrix.ResultsFile, inv.Plan.ResultsDir, matrix.MarkdownFile)
	return withCode(ExitFailed, inv.Ran.Check())
}

// matrixExitCode: an error before any combination ran (bad input, no
// Docker) is a usage error; one after is a failure.
func matrixExitCode(inv *matrix.Invocation) int {
	if inv == nil || inv.Ran == nil {
		return ExitUsage
	}
	return ExitFailed
}

// suiteLog is where the scenarios' raw test events go: stderr at -vv.
func suiteLog(s streams, g *globalOptions) io.Writer {
	if g.verbosity >= 2 {
		return s.err
	}
	return nil
}

func newMatrixMergeCmd(s streams, g *globalOptions) *cobra.Command {
	var dir, output string
	cmd := &cobra.Command{
		Use:   "merge RESULTS.json...",
		Short: "Merge results.json files (one per CI job) into one table",
		Long: `Merge results.json files (one per CI job) into one results.json and matrix.md;
the last merged result of a cell wins.` + exitCodes("merged; every cell passed, or differed as expected",
			"merged; a cell failed, or an expected difference did not show", "bad flags, a file that cannot be read"),
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return withCode(ExitUsage, errors.New("matrix merge needs one or more results.json files (one per CI job)"))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := parseOutput(output)
			if err != nil {
				return err
			}
			merged, err := matrix.MergeFiles(dir, args)
			if err != nil {
				return withCode(ExitUsage, err)
			}
			if err := printMatrix(s, format, merged.Text, merged.JSON); err != nil {
				return err
			}
			return withCode(ExitFailed, merged.Check())
		},
	}
	cmd.Flags().StringVar(&dir, "results", matrix.DefaultResultsDir, "directory to write the merged results.json and matrix.md")
	bindOutput(cmd, &output, "output format")
	return cmd
}

func printMatrix(s streams, format output, text func() []byte, js func() ([]byte, error)) error {
	if !format.structured() {
		_, err := s.out.Write(text())
		return err
	}
	b, err := js()
	if err != nil {
		return withCode(ExitFailed, err)
	}
	return printJSONBytes(s.out, format, b)
}
