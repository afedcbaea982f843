package app

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/cilium-tls-intercept/sandbox/sandbox/pipeline"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

func defaultCilium() string { return versions.DefaultCilium }

func newPlanCmd(s streams, g *globalOptions) *cobra.Command {
	f := &sandboxFlags{}
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Print what `sandbox up` would create, without Docker, a cluster or the network",
		Long: `Print the kind configuration, the node image, every Helm release (chart, repository,
version, values) and the image list that sandbox up would use. Charts come from the
chart cache (.sandbox/charts) or the Go module cache; a chart in neither is noted.` +
			exitCodes("printed", "", "bad flags or values (the chart is rendered and its policies parsed as up does)"),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.resolve(cmd); err != nil {
				return err
			}
			p, err := pipeline.BuildPlan(cmd.Context(), f.opts)
			if err != nil {
				return withCode(ExitUsage, err)
			}
			warnKnownBugs(cmd.ErrOrStderr(), f.opts.Cilium)
			if f.format.structured() {
				return printData(s.out, f.format, p)
			}
			return printPlan(s.out, p)
		},
	}
	f.bind(cmd, "where up would write the cluster's kubeconfig (plan writes nothing)")
	return cmd
}

func printPlan(w io.Writer, p *pipeline.Plan) error {
	fmt.Fprintf(w, "cluster:    %s (kubeconfig %s)\n", p.ClusterName, p.KubeconfigPath)
	fmt.Fprintf(w, "cilium:     %s\n", p.CiliumVersion)
	kube := p.NodeImage.Kubernetes
	if kube == "" {
		kube = "version not in the tag"
	}
	fmt.Fprintf(w, "node image: %s (Kubernetes %s)\n", p.NodeImage.Ref, kube)
	if p.NodeImage.Note != "" {
		fmt.Fprintf(w, "  note: %s\n", p.NodeImage.Note)
	}
	fmt.Fprintf(w, "\nkind config:\n%s\n", indent(p.KindConfig))
	for _, r := range p.Releases {
		vals, err := yaml.Marshal(r.Values)
		if err != nil {
			return withCode(ExitFailed, err)
		}
		fmt.Fprintf(w, "release %s in %s: chart %s %s from %s\n%s\n", r.Release, r.Namespace, r.Source.Name, r.Source.Version, r.Source.Repo, indent(string(vals)))
	}
	fmt.Fprintf(w, "images (%d):\n", len(p.Images))
	for _, img := range p.Images {
		fmt.Fprintf(w, "  %s\n", img)
	}
	for _, n := range p.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	return nil
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return "  " + strings.Join(lines, "\n  ")
}
