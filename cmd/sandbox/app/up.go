package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"helm.sh/helm/v3/pkg/strvals"

	"github.com/cilium-tls-intercept/sandbox/sandbox/cluster"
	"github.com/cilium-tls-intercept/sandbox/sandbox/pipeline"
	"github.com/cilium-tls-intercept/sandbox/sandbox/steps"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// sandboxFlags are the flags up, plan and status share.
type sandboxFlags struct {
	opts   pipeline.Options
	set    []string
	output string
}

// bind adds the flags to cmd; kubeconfigHelp says what the command does
// with --kubeconfig. full adds the flags that shape the sandbox.
func (f *sandboxFlags) bind(cmd *cobra.Command, kubeconfigHelp string, full bool) {
	fl := cmd.Flags()
	fl.StringVar(&f.opts.ClusterName, "cluster-name", pipeline.DefaultClusterName, "kind cluster name")
	fl.StringVar(&f.opts.KubeconfigPath, "kubeconfig", pipeline.DefaultKubeconfig, kubeconfigHelp)
	fl.StringVarP(&f.output, "output", "o", "text", "output format: text or json")
	if !full {
		return
	}
	fl.Var(versions.Value{V: &f.opts.Cilium}, "cilium-version", "Cilium release, 1.16 to 1.20 (default "+defaultCilium()+")")
	fl.StringVar(&f.opts.NodeImage, "node-image", "", "kind node image (default: the one paired with the Cilium release)")
	fl.StringVar(&f.opts.KindConfigPath, "kind-config", "", "kind cluster configuration file (default: the embedded kind-config.yaml)")
	fl.StringVar(&f.opts.ChartCacheDir, "chart-cache", "", "directory of downloaded charts (default .sandbox/charts)")
	fl.StringArrayVar(&f.set, "set", nil, "cilium-tls-intercept chart value, helm --set syntax (repeatable)")
}

// resolve checks the output format and parses --set into ChartValues.
func (f *sandboxFlags) resolve(cmd *cobra.Command) error {
	warnUnknownPatch(cmd.ErrOrStderr(), f.opts.Cilium)
	if f.output != "text" && f.output != "json" {
		return withCode(ExitUsage, fmt.Errorf("invalid --output %q: want text or json", f.output))
	}
	for _, s := range f.set {
		if f.opts.ChartValues == nil {
			f.opts.ChartValues = map[string]any{}
		}
		if err := strvals.ParseInto(s, f.opts.ChartValues); err != nil {
			return withCode(ExitUsage, fmt.Errorf("--set %q: %w", s, err))
		}
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

  export KUBECONFIG=$PWD/.sandbox/kubeconfig`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.resolve(cmd); err != nil {
				return err
			}
			return runUp(cmd, s, g, f)
		},
	}
	f.bind(cmd, "where the cluster's kubeconfig is written (mode 0600; other clusters' entries in the file are kept)", true)
	return cmd
}

func runUp(cmd *cobra.Command, s streams, g *globalOptions, f *sandboxFlags) error {
	f.opts.OnStep = stepPrinter(s.err, g.verbosity)
	if g.verbosity >= 2 {
		f.opts.Logf = func(format string, args ...any) { fmt.Fprintf(s.err, "  "+format+"\n", args...) }
	}
	rep, err := pipeline.Up(cmd.Context(), f.opts)
	if rep != nil && f.output == "json" {
		if perr := printJSON(s.out, rep); perr != nil {
			return perr
		}
	}
	if err != nil {
		printArtifacts(s.err, rep)
		if rep == nil || errors.Is(err, cluster.ErrNoDocker) {
			return withCode(ExitUsage, err)
		}
		return withCode(ExitFailed, err)
	}
	if f.output == "text" {
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

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return withCode(ExitFailed, fmt.Errorf("write json: %w", err))
	}
	return nil
}
