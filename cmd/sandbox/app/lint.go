package app

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
	"github.com/cilium-tls-intercept/sandbox/sandbox/dnsanswer"
	"github.com/cilium-tls-intercept/sandbox/sandbox/lint"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

func newLintCmd(s streams, g *globalOptions) *cobra.Command {
	opts := lint.Options{}
	var output string
	var noSync bool
	var resolve []string
	cmd := &cobra.Command{
		Use:   "lint -f FILE|DIR|- ...",
		Short: "Check CiliumNetworkPolicies, Certificates and their secrets before you apply them",
		Long: `Run the project's validators on any manifests, offline: every CiliumNetworkPolicy
through Cilium's own Parse and Sanitize (Cilium 1.20's Go code, and what the chosen
release accepts beyond it), every Cilium, cert-manager and trust-manager object
against its CRD's schema, and the checks across objects: each TLS secret a policy
names is made where the release's secrets mode reads it, with the keys its context
needs; certificate SANs cover every intercepted name; a DNS rule sits next to each
toFQDNs; an http rule makes Envoy parse the decrypted traffic; selectors match the
workloads in the files; issuers resolve; and, with --resolve, no two names of
different groups (or an intercepted and another name) share an address, whose one
identity would make Envoy serve some of them another group's certificate.

What the manifests refer to but do not hold (a Secret made elsewhere, an issuer,
the pods) is reported as an assumption (?), not a failure.

` + exitCodes("nothing failed (warnings and assumptions allowed)", "a check failed: the report's root cause names it, with its fix",
			"lint could not run: bad flags, a file that cannot be read or parsed, no objects"),
		Example: `  sandbox lint -f policies/ -f certificates.yaml
  sandbox lint --cilium-version 1.18 -f fixtures/lint/poc-layout
  sandbox lint -f policies/ --resolve api.github.com=140.82.112.5 --resolve example.com=140.82.112.5
  sandbox render --cilium-version 1.18 | sandbox lint --cilium-version 1.18 -f -`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := parseOutput(output)
			if err != nil {
				return err
			}
			if len(opts.Paths) == 0 {
				return withCode(ExitUsage, fmt.Errorf("give the manifests with -f FILE, -f DIR or -f - (standard input)"))
			}
			if opts.Answers, err = dnsanswer.FromResolve(resolve); err != nil {
				return withCode(ExitUsage, err)
			}
			warnUnknownPatch(cmd.ErrOrStderr(), opts.Cilium)
			opts.Stdin, opts.WithoutSecretSync = s.in, noSync
			rep, err := lint.Run(cmd.Context(), opts)
			if err != nil {
				return withCode(ExitUsage, err)
			}
			if format.structured() {
				if err := printData(s.out, format, rep); err != nil {
					return err
				}
			} else if err := rep.WriteText(s.out, lint.TextOptions{Fixes: g.verbosity > 0}); err != nil {
				return withCode(ExitFailed, fmt.Errorf("write report: %w", err))
			}
			if rep.Failed() {
				return reported(ExitFailed, fmt.Errorf("root cause: %s", rep.RootCause))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringArrayVarP(&opts.Paths, "filename", "f", nil, "manifest file, directory (its .yaml, .yml, .json, recursively) or - for standard input (repeatable)")
	f.Var(versions.Value{V: &opts.Cilium}, "cilium-version", "Cilium release the policies must work on (1.16 to 1.20, default "+versions.DefaultCilium+")")
	f.StringVar(&opts.SecretsNamespace, "secrets-namespace", ciliumtls.SecretsNamespace, "Cilium's tls.secretsNamespace.name (1.17+)")
	f.BoolVar(&noSync, "no-secret-sync", false, "Cilium 1.17+ runs read-only without secret sync (tls.secretSync.enabled=false)")
	f.StringVar(&opts.Namespace, "default-namespace", "default", "namespace of objects that name none")
	renamedFlag(cmd, s.err, "namespace", "default-namespace")
	bindOutput(cmd, &output, "report format")
	completeCilium(cmd, "cilium-version")
	f.StringArrayVar(&resolve, "resolve", nil, "NAME=ADDRESS a name resolves to, as curl's --resolve without the port (repeatable); without it every name is assumed to have an address of its own")
	return cmd
}
