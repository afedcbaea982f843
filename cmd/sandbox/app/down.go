package app

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cilium-tls-intercept/sandbox/sandbox/cluster"
	"github.com/cilium-tls-intercept/sandbox/sandbox/pipeline"
)

func newDownCmd(s streams, g *globalOptions) *cobra.Command {
	o := &pipeline.Options{}
	cmd := &cobra.Command{
		Use:   "down",
		Short: "Delete the sandbox's kind cluster (and nothing else)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.OnStep = stepPrinter(s.err, g.verbosity)
			rep, err := pipeline.Down(cmd.Context(), *o)
			if err != nil {
				if errors.Is(err, cluster.ErrNoDocker) {
					return withCode(ExitUsage, err)
				}
				return withCode(ExitFailed, err)
			}
			if !rep.Changed() {
				fmt.Fprintf(s.out, "nothing to delete: no kind cluster %q\n", o.ClusterName)
				return nil
			}
			fmt.Fprintf(s.out, "sandbox %q deleted\n", o.ClusterName)
			return nil
		},
	}
	cmd.Flags().StringVar(&o.ClusterName, "cluster-name", pipeline.DefaultClusterName, "kind cluster name")
	cmd.Flags().StringVar(&o.KubeconfigPath, "kubeconfig", pipeline.DefaultKubeconfig, "kubeconfig file whose entry for the cluster is removed")
	return cmd
}
