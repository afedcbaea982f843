package app

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cilium-tls-intercept/sandbox/sandbox/cilium"
	"github.com/cilium-tls-intercept/sandbox/sandbox/install"
	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
)

// installFlags are the flags of install and uninstall.
type installFlags struct {
	opts   install.Options
	output string
	format output
}

func (f *installFlags) bind(cmd *cobra.Command, values bool) {
	fl := cmd.Flags()
	fl.StringVar(&f.opts.Kubeconfig, "kubeconfig", "", "kubeconfig of the cluster (default: $KUBECONFIG, else ~/.kube/config)")
	fl.StringVar(&f.opts.Context, "context", "", "kubeconfig context (default: its current context)")
	fl.StringVar(&f.opts.CiliumNamespace, "cilium-namespace", cilium.Namespace, "namespace of the Cilium agents and cilium-config")
	fl.DurationVar(&f.opts.Timeout, "timeout", install.DefaultTimeout, "bound of each wait and Helm operation")
	bindOutput(cmd, &f.output, "output format")
	if !values {
		return
	}
	fl.StringArrayVarP(&f.opts.ValuesFiles, "values", "f", nil, "cilium-tls-intercept chart values file (repeatable)")
	fl.StringArrayVar(&f.opts.Set, "set", nil, "cilium-tls-intercept chart value, helm --set syntax (repeatable)")
	fl.BoolVar(&f.opts.SkipCiliumCheck, "skip-cilium-check", false, "install even when the running Cilium lacks what interception needs")
	fl.StringVar(&f.opts.ChartCacheDir, "chart-cache", "", "directory of downloaded charts (default .sandbox/charts)")
}

func (f *installFlags) check() error {
	var err error
	f.format, err = parseOutput(f.output)
	return err
}

func newInstallCmd(s streams, g *globalOptions) *cobra.Command {
	f := &installFlags{}
	cmd := &cobra.Command{
		Use:   "install",
		Short: "Put the interception onto an existing cluster that runs Cilium (never touches Cilium)",
		Long: `Install the cilium-tls-intercept chart, and cert-manager and trust-manager when
absent, on an existing cluster that already runs Cilium. Cilium itself is never
installed, upgraded or restarted.

It reads the running Cilium (the release from the agent image, cilium-config) and
says what interception lacks on that release (L7 proxy, Envoy, the secrets mode,
secret sync, Hubble), with the one helm upgrade line that adds it; then it stops
with exit code 1 unless --skip-cilium-check. cert-manager and trust-manager found
in the cluster are reused when they have what the chart needs (the
NameConstraints feature gate, trust-manager's secret targets), otherwise it says
what is missing and how to add it. The chart is rendered for the running release,
and install waits as up does. Running it again changes nothing; an interrupted
install is completed by the next one. sandbox uninstall removes what it created.

The chart's values (--set, -f) are checked before the cluster is reached.` +
			exitCodes("installed", "the cluster lacks something (the report names it, with its fix) or a step failed",
				"install could not run: bad flags or values, no kubeconfig, an unreachable cluster"),
		Example: `  sandbox install --kubeconfig ~/.kube/config --context staging
  sandbox install --set 'intercept.github.domains={api.github.com}' -o json
  go test ./scenarios -args --kubeconfig ~/.kube/config`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.check(); err != nil {
				return err
			}
			f.opts.OnStep = stepPrinter(s.err, g.verbosity)
			rep, err := install.Install(cmd.Context(), f.opts)
			return finishInstall(s, f, rep, err, g.verbosity > 0, "installed")
		},
	}
	f.bind(cmd, true)
	return cmd
}

func newUninstallCmd(s streams, g *globalOptions) *cobra.Command {
	f := &installFlags{}
	cmd := &cobra.Command{
		Use:   "uninstall",
		Short: "Remove what sandbox install created from a cluster, and say what stays",
		Long: `Remove the cilium-tls-intercept chart's release and the secrets its Certificates
wrote, then trust-manager and cert-manager when sandbox install installed them
(their Helm records carry its label). Releases it did not install are left.
It then lists what stays in the cluster and why: namespaces, CRDs their charts
keep, objects the garbage collector or Cilium's operator removes afterwards.` +
			exitCodes("uninstalled", "a step failed", "uninstall could not run: bad flags, no kubeconfig, an unreachable cluster"),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.check(); err != nil {
				return err
			}
			f.opts.OnStep = stepPrinter(s.err, g.verbosity)
			rep, err := install.Uninstall(cmd.Context(), f.opts)
			return finishInstall(s, f, rep, err, true, "uninstalled")
		},
	}
	f.bind(cmd, false)
	return cmd
}

// finishInstall prints the report and maps the error to an exit code.
func finishInstall(s streams, f *installFlags, rep *install.Report, err error, all bool, done string) error {
	if rep == nil {
		return withCode(ExitUsage, err)
	}
	if f.format.structured() {
		if perr := printData(s.out, f.format, rep); perr != nil {
			return perr
		}
	} else if werr := rep.WriteText(s.out, install.TextOptions{AllNeeds: all}); werr != nil {
		return withCode(ExitFailed, werr)
	}
	switch {
	case errors.Is(err, intercept.ErrInvalidValues):
		return withCode(ExitUsage, err)
	case errors.Is(err, install.ErrCiliumLacks) && !f.format.structured():
		fmt.Fprintln(s.out, "then run sandbox install again, or install anyway with --skip-cilium-check")
	}
	if errors.Is(err, install.ErrCiliumLacks) || errors.Is(err, install.ErrDependencyLacks) {
		return reported(ExitFailed, err) // the report names each need and its fix
	}
	if err != nil {
		return withCode(ExitFailed, err)
	}
	if !f.format.structured() {
		ver := ""
		if rep.CiliumVersion != "" {
			ver = " for Cilium " + rep.CiliumVersion
		}
		fmt.Fprintf(s.out, "%s on %s%s in %.1fs\n", done, rep.Cluster, ver, rep.Seconds)
	}
	return nil
}
