package app

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"helm.sh/helm/v3/pkg/chartutil"

	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

func newRenderCmd(s streams, g *globalOptions) *cobra.Command {
	opts := intercept.RenderOptions{}
	cmd := &cobra.Command{
		Use:   "render",
		Short: "Print the interception chart's manifests for the given values (helm template)",
		Long: `Render the cilium-tls-intercept chart offline and print what a user would
kubectl apply or helm install: the CiliumNetworkPolicies, cert-manager CA and
certificates, trust-manager bundles and the test workload.

The values are checked by the chart's schema and templates, and every policy the
chart renders is run through Cilium's own parser (Parse and Sanitize) for the
release: a value that makes a policy Cilium's agent would refuse is refused here,
named with its key.` + exitCodes("printed", "the manifests could not be written", "bad flags or values: the message names the value"),
		Example: `  sandbox render
  sandbox render --cilium-version 1.18.10 -f my-values.yaml
  sandbox render --set intercept.aws.enabled=false --set 'passThrough.domains={example.com}'`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return withCode(ExitUsage, fmt.Errorf("render takes no arguments, got %q: give values files with -f", args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRender(cmd, s.out, opts)
		},
	}
	f := cmd.Flags()
	f.StringArrayVarP(&opts.ValuesFiles, "values", "f", nil, "values file (repeatable, merged in order)")
	f.StringArrayVar(&opts.Set, "set", nil, "set a value, helm --set syntax (repeatable, after the files)")
	f.Var(versions.Value{V: &opts.Cilium}, "cilium-version", "Cilium release to render for ("+versions.SupportedRange()+"; sets cilium.version, default "+versions.DefaultCilium+")")
	completeCilium(cmd, "cilium-version")
	f.StringVar(&opts.ReleaseName, "release-name", intercept.DefaultReleaseName, "Helm release name")
	f.StringVar(&opts.Namespace, "release-namespace", intercept.DefaultNamespace, "Helm release namespace (it holds only Helm's record; every object names its own)")
	renamedFlag(cmd, s.err, "namespace", "release-namespace")
	f.StringVar(&opts.KubeVersion, "kube-version", "", "Kubernetes version to render for (default: the node image paired with the Cilium release)")
	return cmd
}

func runRender(cmd *cobra.Command, out io.Writer, opts intercept.RenderOptions) error {
	warnUnknownPatch(cmd.ErrOrStderr(), opts.Cilium)
	if opts.KubeVersion != "" {
		if _, err := chartutil.ParseKubeVersion(opts.KubeVersion); err != nil {
			return withCode(ExitUsage, fmt.Errorf("--kube-version %q is not a Kubernetes version; write it as v1.36.4 or 1.36", opts.KubeVersion))
		}
	}
	rendered, err := intercept.Render(cmd.Context(), opts)
	if errors.Is(err, intercept.ErrInvalidValues) {
		return withCode(ExitUsage, err)
	}
	if err != nil {
		return withCode(ExitFailed, err)
	}
	if _, err := io.WriteString(out, rendered.Manifest); err != nil {
		return withCode(ExitFailed, fmt.Errorf("write manifests: %w", err))
	}
	note, err := intercept.NothingIntercepted(rendered)
	if err != nil {
		return withCode(ExitFailed, err)
	}
	if note != "" {
		fmt.Fprintln(cmd.ErrOrStderr(), "note:", note)
	}
	return nil
}
