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

It takes up's options, so one set of options names the sandbox for every command:
with --cilium-version, a cluster running another Cilium release is not ready; the
options that only shape what up creates change nothing here, and it says so.
-o json and -o yaml print a report even when it cannot look (its "error" says why).` +
			exitCodes("the sandbox exists and everything is deployed and ready", "something is missing or not ready, or another Cilium runs than --cilium-version asks",
				"status could not look: bad flags, no Docker daemon"),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.resolve(cmd); err != nil {
				return err
			}
			noteUnused(cmd, s.err, "cilium-version")
			st, err := pipeline.GetStatus(cmd.Context(), f.opts)
			if st == nil {
				return withCode(ExitUsage, err)
			}
			if f.format.structured() {
				if perr := printData(s.out, f.format, st); perr != nil {
					return perr
				}
			} else if err == nil {
				printStatus(s.out, st)
			}
			switch {
			case errors.Is(err, cluster.ErrNoDocker):
				return withCode(ExitUsage, err)
			case err != nil:
				return withCode(ExitFailed, err)
			case !st.Ready():
				return reported(ExitFailed, errors.New("not ready"))
			}
			return nil
		},
	}
	f.bind(cmd, "kubeconfig file up wrote, shown in the output (status reads the cluster's credentials from kind and writes no file)")
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
	if st.CiliumMismatch != "" {
		fmt.Fprintf(w, " ✗ %s (--cilium-version)\n", st.CiliumMismatch)
	}
}
