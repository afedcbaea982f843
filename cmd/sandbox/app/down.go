package app

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cilium-tls-intercept/sandbox/sandbox/cluster"
	"github.com/cilium-tls-intercept/sandbox/sandbox/pipeline"
)

func newDownCmd(s streams, g *globalOptions) *cobra.Command {
	f := &sandboxFlags{}
	cmd := &cobra.Command{
		Use:   "down",
		Short: "Delete the sandbox's kind cluster (and nothing else)",
		Long: `Delete the kind cluster --cluster-name and its entry in the --kubeconfig file;
nothing else of yours (the chart cache and the images on the host stay). With no
such cluster it says there was nothing to delete.

It takes up's options, so one set of options names the sandbox for every command;
those that only shape what up creates change nothing here, and it says so.` +
			exitCodes("deleted, or nothing to delete", "kind could not delete the cluster", "down could not run: bad flags, no Docker daemon"),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.resolve(cmd); err != nil {
				return err
			}
			noteUnused(cmd, s.err)
			o := f.opts
			o.OnStep = stepPrinter(s.err, g.verbosity)
			rep, err := pipeline.Down(cmd.Context(), o)
			if rep != nil && f.format.structured() {
				if perr := printData(s.out, f.format, rep); perr != nil {
					return perr
				}
			}
			if err != nil {
				if rep == nil || errors.Is(err, cluster.ErrNoDocker) {
					return withCode(ExitUsage, err)
				}
				return withCode(ExitFailed, err)
			}
			if f.format.structured() {
				return nil
			}
			if !rep.Changed() {
				fmt.Fprintf(s.out, "nothing to delete: no kind cluster %q\n", rep.ClusterName)
				return nil
			}
			fmt.Fprintf(s.out, "sandbox %q deleted\n", rep.ClusterName)
			return nil
		},
	}
	f.bind(cmd, "kubeconfig file whose entry for the cluster is removed")
	return cmd
}
