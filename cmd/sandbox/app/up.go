package app

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"helm.sh/helm/v3/pkg/strvals"

	"github.com/cilium-tls-intercept/sandbox/sandbox/cluster"
	"github.com/cilium-tls-intercept/sandbox/sandbox/pipeline"
	"github.com/cilium-tls-intercept/sandbox/sandbox/steps"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// sandboxFlags are the options of up, which plan, status and down take
// too: one set of options names one sandbox for every command (and one
// SANDBOX_ARGS serves every make target).
type sandboxFlags struct {
	opts   pipeline.Options
	set    []string
	output string
	format output
}

// bind adds the flags to cmd; kubeconfigHelp says what the command does
// with --kubeconfig.
func (f *sandboxFlags) bind(cmd *cobra.Command, kubeconfigHelp string) {
	fl := cmd.Flags()
	fl.StringVar(&f.opts.ClusterName, "cluster-name", pipeline.DefaultClusterName, "kind cluster name")
	fl.StringVar(&f.opts.KubeconfigPath, "kubeconfig", pipeline.DefaultKubeconfig, kubeconfigHelp)
	bindOutput(cmd, &f.output, "output format")
	fl.Var(versions.Value{V: &f.opts.Cilium}, "cilium-version", "Cilium release, "+versions.SupportedRange()+" (default "+defaultCilium()+")")
	completeCilium(cmd, "cilium-version")
	fl.StringVar(&f.opts.NodeImage, "node-image", "", "kind node image (default: the one paired with the Cilium release)")
	fl.StringVar(&f.opts.KindConfigPath, "kind-config", "", "kind cluster configuration file (default: the embedded kind-config.yaml)")
	fl.StringVar(&f.opts.ChartCacheDir, "chart-cache", "", "directory of downloaded charts (default .sandbox/charts)")
	fl.StringArrayVar(&f.set, "set", nil, "cilium-tls-intercept chart value, helm --set syntax (repeatable)")
	fl.DurationVar(&f.opts.Timeout, "timeout", 0, "bound of each wait and Helm operation (default: each its own, 4m to 5m)")
}

// shaping are the options that shape the sandbox up creates: status and
// down, which read or delete the cluster as it is, take them so that up's
// options work for every command, and say that they change nothing there.
func shaping() []string {
	return []string{"cilium-version", "node-image", "kind-config", "chart-cache", "set", "timeout"}
}

// noteUnused says on w which shaping options cmd was given that change
// nothing for it, except those in keep.
func noteUnused(cmd *cobra.Command, w io.Writer, keep ...string) {
	for _, name := range shaping() {
		if cmd.Flags().Changed(name) && !slices.Contains(keep, name) {
			fmt.Fprintf(w, "note: --%s shapes the sandbox up creates; %s %s\n", name, cmd.Name(), unusedBecause(cmd.Name()))
		}
	}
}

func unusedBecause(command string) string {
	if command == "down" {
		return "deletes the cluster named --cluster-name whatever it holds"
	}
	return "shows the cluster as it is"
}

// resolve checks the output format and parses --set into ChartValues.
func (f *sandboxFlags) resolve(cmd *cobra.Command) error {
	warnUnknownPatch(cmd.ErrOrStderr(), f.opts.Cilium)
	var err error
	if f.format, err = parseOutput(f.output); err != nil {
		return err
	}
	for _, s := range f.set {
		if f.opts.ChartValues == nil {
			f.opts.ChartValues = map[string]any{}
		}
		if err := strvals.ParseInto(s, f.opts.ChartValues); err != nil {
			return withCode(ExitUsage, fmt.Errorf("--set %q: %w", s, err))
		}
	}
	if f.opts.Timeout < 0 {
		return withCode(ExitUsage, fmt.Errorf("invalid --timeout %s: give a positive duration, such as 10m", f.opts.Timeout))
	}
	return nil
}

func newUpCmd(s streams, g *globalOptions) *cobra.Command {
	f := &sandboxFlags{}
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Bring up the kind sandbox: Cilium, cert-manager, trust-manager, the chart and a test workload",
		Long: `Create (or complete) the kind cluster and install Cilium with the L7 proxy, Envoy and
secret sync, cert-manager, trust-manager, the cilium-tls-intercept chart and its test
workload. Each step looks before it acts, so running up again changes nothing and
returns in seconds. The kubeconfig is written to .sandbox/kubeconfig, not ~/.kube/config:

  export KUBECONFIG=$PWD/.sandbox/kubeconfig

Every option is checked before anything starts, and the chart is rendered and its
policies run through Cilium's own parser first.` + exitCodes("the sandbox is up",
			"a step failed (the line of the step says which; a bundle of logs is written when the cluster exists)",
			"up could not run: bad flags or values, no Docker daemon"),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.resolve(cmd); err != nil {
				return err
			}
			warnKnownBugs(cmd.ErrOrStderr(), f.opts.Cilium)
			return runUp(cmd, s, g, f)
		},
	}
	f.bind(cmd, "where the cluster's kubeconfig is written (mode 0600; other clusters' entries in the file are kept)")
	return cmd
}

func runUp(cmd *cobra.Command, s streams, g *globalOptions, f *sandboxFlags) error {
	f.opts.OnStep = stepPrinter(s.err, g.verbosity)
	if g.verbosity >= 2 {
		f.opts.Logf = func(format string, args ...any) { fmt.Fprintf(s.err, "  "+format+"\n", args...) }
	}
	rep, err := pipeline.Up(cmd.Context(), f.opts)
	if rep != nil && f.format.structured() {
		if perr := printData(s.out, f.format, rep); perr != nil {
			return perr
		}
	}
	if rep != nil && rep.NodeImageNote != "" && !f.format.structured() {
		fmt.Fprintln(s.err, "note:", rep.NodeImageNote)
	}
	if err != nil {
		printArtifacts(s.err, rep)
		if rep == nil || errors.Is(err, cluster.ErrNoDocker) {
			return withCode(ExitUsage, err)
		}
		return withCode(ExitFailed, err)
	}
	if !f.format.structured() {
		fmt.Fprintf(s.out, "sandbox %q is up (Cilium %s) in %.1fs\nexport KUBECONFIG=%s\n", rep.ClusterName, rep.CiliumVersion, rep.Seconds, rep.KubeconfigPath)
	}
	return nil
}

// printArtifacts says where a failed up left its artifact bundle.
func printArtifacts(w io.Writer, rep *pipeline.Report) {
	if rep == nil {
		return
	}
	if rep.Artifacts != "" {
		fmt.Fprintf(w, "artifacts (kind logs, Cilium and Envoy logs, certificates, pods, events): %s\n", rep.Artifacts)
	}
	if rep.ArtifactsError != "" {
		fmt.Fprintf(w, "artifacts: %s\n", rep.ArtifactsError)
	}
}

// stepPrinter prints a status line per step like kind: "✓ cilium (41.2s)".
// Steps of one stage run concurrently, so lines are written under a lock.
func stepPrinter(w io.Writer, verbosity int) func(steps.Event) {
	var mu sync.Mutex
	failed := "" // the step whose failure cancels its siblings: it ends first
	return func(e steps.Event) {
		mu.Lock()
		defer mu.Unlock()
		if !e.Done {
			if verbosity >= 1 {
				fmt.Fprintf(w, " • %s ...\n", e.Name)
			}
			return
		}
		mark := "✓"
		if e.Result.Error != "" {
			mark = "✗"
		}
		line := fmt.Sprintf(" %s %s (%.1fs)", mark, e.Name, e.Result.Seconds)
		switch {
		case e.Result.Cancelled: // its error is not the one Up returns: say here how it ended
			line += "  cancelled"
			if failed != "" {
				line += " when " + failed + " failed"
			}
			line += ": " + strings.TrimPrefix(e.Result.Error, e.Name+": ")
		case e.Result.Error != "" && failed == "":
			failed = e.Name
		case verbosity >= 1 && e.Result.Detail != "":
			line += "  " + e.Result.Detail
		}
		fmt.Fprintln(w, line)
	}
}
