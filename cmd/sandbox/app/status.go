package app

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/cilium-tls-intercept/sandbox/sandbox/cluster"
	"github.com/cilium-tls-intercept/sandbox/sandbox/pipeline"
)

func newStatusCmd(s streams, g *globalOptions) *cobra.Command {
	f := &sandboxFlags{}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show what exists of the sandbox: cluster, nodes, releases and readiness",
		Long: `Show the sandbox's cluster, nodes, Helm releases and workload readiness. It changes
nothing and writes no file: the cluster's credentials are read from kind.

Exit code 1 when something is missing or not ready, 2 when it cannot look (no Docker).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.resolve(cmd); err != nil {
				return err
			}
			st, err := pipeline.GetStatus(cmd.Context(), f.opts)
			if err != nil {
				if st == nil || errors.Is(err, cluster.ErrNoDocker) {
					return withCode(ExitUsage, err)
				}
				return withCode(ExitFailed, err)
			}
			if f.output == "json" {
				if err := printJSON(s.out, st); err != nil {
					return err
				}
			} else {
				printStatus(s.out, st)
			}
			if !st.Ready() {
				return reported(ExitFailed, errors.New("not ready"))
			}
			return nil
		},
	}
	f.bind(cmd, "kubeconfig file up wrote, shown in the output (status reads the cluster's credentials from kind and writes no file)", false)
	return cmd
}

func printStatus(w io.Writer, st *pipeline.Status) {
	if !st.Exists {
		fmt.Fprintf(w, "cluster %q: not found (run `sandbox up`)\n", st.ClusterName)
		return
	}
	fmt.Fprintf(w, "cluster %q: Kubernetes %s, %d nodes %v, kubeconfig %s\n", st.ClusterName, st.Kubernetes, len(st.Nodes), st.Nodes, st.KubeconfigPath)
	for _, r := range st.Releases {
		fmt.Fprintf(w, "release %-22s %-16s %s %s revision %d: %s\n", r.Release, r.Namespace, r.Chart, r.Version, r.Revision, r.Status)
	}
	for _, wl := range st.Workloads {
		mark := "✓"
		if !wl.Ready {
			mark = "✗"
		}
		fmt.Fprintf(w, " %s %s %s\n", mark, wl.Workload, wl.State)
	}
}
