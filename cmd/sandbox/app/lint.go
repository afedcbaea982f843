package app

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun"
	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
	"github.com/cilium-tls-intercept/sandbox/sandbox/dnsanswer"
	"github.com/cilium-tls-intercept/sandbox/sandbox/lint"
	"github.com/cilium-tls-intercept/sandbox/sandbox/lint/agent"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// agentFlags are lint's --agent flags.
type agentFlags struct {
	run            bool
	compare        versions.Cilium
	configFile     string
	workloadLabels []string
}

func newLintCmd(s streams, g *globalOptions) *cobra.Command {
	opts := lint.Options{}
	var output string
	var noSync bool
	var resolve []string
	af := agentFlags{}
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

With --agent, the chosen release's own code runs on the manifests too (Linux only):
its Parse and Sanitize, its operator's secret sync, and for each workload the policy
its agent computes, the policy-map entries, the NPDS resource, the Envoy listener
and the SDS secrets Envoy would be given. The first use of a release builds a helper
for it with your Go toolchain (minutes; cached under the user cache directory);
later runs take seconds. --compare runs a second release and prints what differs.

` + exitCodes("nothing failed (warnings and assumptions allowed)", "a check failed: the report's root cause names it, with its fix",
			"lint could not run: bad flags, a file that cannot be read or parsed, no objects, a helper that could not be fetched or built"),
		Example: `  sandbox lint -f policies/ -f certificates.yaml
  sandbox lint --cilium-version 1.18 -f fixtures/lint/poc-layout
  sandbox lint -f policies/ --resolve api.github.com=140.82.112.5 --resolve example.com=140.82.112.5
  sandbox render --cilium-version 1.18 | sandbox lint --cilium-version 1.18 -f -
  sandbox lint --agent --cilium-version 1.18.11 --compare 1.20.2 -f policies/
  sandbox lint --agent --resolve api.github.com=140.82.121.6 --cilium-config cilium-config.yaml -f policies/`,
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
			if opts.Agent, err = agentOptions(cmd, s, g, opts, af); err != nil {
				return withCode(ExitUsage, err)
			}
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
	f.BoolVar(&af.run, "agent", false, "also run the release's own agent and operator code on the manifests (Linux; builds a helper per release)")
	f.Var(versions.Value{V: &af.compare}, "compare", "with --agent: a second Cilium release to run and compare with")
	f.StringVar(&af.configFile, "cilium-config", "", "with --agent: the cluster's cilium-config ConfigMap (kubectl -n kube-system get cm cilium-config -o yaml); default: the release's chart rendered with the sandbox's values")
	f.StringArrayVar(&af.workloadLabels, "workload-labels", nil, "with --agent: a workload's pod labels KEY=VALUE,... in --default-namespace (repeatable); default: the workloads in the files")
	return cmd
}

// agentOptions turns the --agent flags into lint's agent options; nil
// without --agent, and an error for an --agent flag given without it.
func agentOptions(cmd *cobra.Command, s streams, g *globalOptions, opts lint.Options, af agentFlags) (*agent.Options, error) {
	if !af.run {
		for _, name := range []string{"compare", "cilium-config", "workload-labels"} {
			if cmd.Flags().Changed(name) {
				return nil, fmt.Errorf("--%s needs --agent", name)
			}
		}
		return nil, nil
	}
	ao := &agent.Options{Releases: []versions.Cilium{opts.Cilium.OrDefault()}, ConfigFile: af.configFile,
		Namespace: opts.Namespace, Builder: &ciliumrun.Builder{Progress: s.err}, Overrides: map[string]string{}}
	if !af.compare.IsZero() {
		ao.Releases = append(ao.Releases, af.compare)
	}
	for _, v := range ao.Releases {
		// A helper is built from the release's Go module: the proxy must serve it.
		if err := v.NotServedError(); err != nil {
			return nil, err
		}
	}
	ao.Resolve = opts.Answers
	for _, l := range af.workloadLabels {
		w, err := agent.ParseWorkloadLabels(l, opts.Namespace)
		if err != nil {
			return nil, err
		}
		ao.Workloads = append(ao.Workloads, w)
	}
	if cmd.Flags().Changed("no-secret-sync") {
		ao.Overrides[agent.FlagPolicySecretsSync] = fmt.Sprint(!opts.WithoutSecretSync)
	}
	if cmd.Flags().Changed("secrets-namespace") {
		ao.Overrides[agent.FlagPolicySecretsNamespace] = opts.SecretsNamespace
	}
	if g.verbosity > 0 {
		ao.Logs = s.err
	}
	return ao, nil
}
