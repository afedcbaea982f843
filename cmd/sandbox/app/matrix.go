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
Re-running one cell merges into the existing results:

  sandbox matrix --cilium 1.18.11 --labels scenario=rotation
  sandbox matrix --dry-run --output json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runMatrix(cmd, s, g, o) },
	}
	f := cmd.Flags()
	f.StringSliceVar(&o.Cilium, "cilium", nil, "Cilium releases, comma-separated (default: one per supported minor)")
	f.StringArrayVar(&o.NodeImages, "node-image", nil, "node image override: REF for all, or 1.18=REF / 1.18.10=REF (repeatable)")
	f.StringVar(&o.Upstream, "upstream", matrix.UpstreamLocal, "scenarios' upstream: local (fake servers) or internet")
	f.StringVar(&o.ResultsDir, "results", matrix.DefaultResultsDir, "directory for results.json, matrix.md and artifacts")
	f.StringVarP(&o.output, "output", "o", "text", "output format: text or json")
	f.BoolVar(&o.DryRun, "dry-run", false, "print the plan and run nothing (no Docker needed)")
	f.StringVar(&o.Labels, "labels", "", "feature filter passed to the scenarios, e.g. scenario=rotation")
	f.BoolVar(&o.KeepFailed, "keep-failed", false, "keep the cluster of a release whose scenarios failed")
	f.StringVar(&o.ExpectationsFile, "expectations", "", "YAML file of known differences replacing the shipped ones")
	f.StringVar(&o.scenariosBinary, "scenarios-binary", "", "prebuilt scenarios test binary (go test -c ./scenarios); built per release when empty")
	cmd.AddCommand(newMatrixMergeCmd(s, g))
	return cmd
}

func runMatrix(cmd *cobra.Command, s streams, g *globalOptions, o *matrixOptions) error {
	if o.output != "text" && o.output != "json" {
		return withCode(ExitUsage, fmt.Errorf("invalid --output %q: want text or json", o.output))
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
		return printMatrix(s, o.output, inv.Plan.Text, inv.Plan.JSON)
	}
	if err := printMatrix(s, o.output, inv.Merged.Text, inv.Merged.JSON); err != nil {
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
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return withCode(ExitUsage, errors.New("matrix merge needs one or more results.json files (one per CI job)"))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			merged, err := matrix.MergeFiles(dir, args)
			if err != nil {
				return withCode(ExitUsage, err)
			}
			if err := printMatrix(s, output, merged.Text, merged.JSON); err != nil {
				return err
			}
			return withCode(ExitFailed, merged.Check())
		},
	}
	cmd.Flags().StringVar(&dir, "results", matrix.DefaultResultsDir, "directory to write the merged results.json and matrix.md")
	cmd.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
	return cmd
}

func printMatrix(s streams, output string, text func() []byte, js func() ([]byte, error)) error {
	switch output {
	case "json":
		b, err := js()
		if err != nil {
			return withCode(ExitFailed, err)
		}
		_, err = s.out.Write(b)
		return err
	case "text":
		_, err := s.out.Write(text())
		return err
	}
	return withCode(ExitUsage, fmt.Errorf("invalid --output %q: want text or json", output))
}
