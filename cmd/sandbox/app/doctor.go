package app

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/cilium-tls-intercept/sandbox/sandbox/doctor"
	"github.com/cilium-tls-intercept/sandbox/sandbox/pipeline"
)

// doctorOptions are the flags of sandbox doctor.
type doctorOptions struct {
	kubeconfig      string
	namespace       string
	ciliumNamespace string
	from            string
	output          string
	record          string
}

func newDoctorCmd(s streams, g *globalOptions) *cobra.Command {
	opts := doctorOptions{}
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Say why Cilium's TLS interception is not active, from a live cluster or a dump",
		Long: fmt.Sprintf(`Run the doctor's %d checks in dependency order (Cilium agents, L7 proxy, Envoy
ready on the workload's nodes, the secrets mode of the running release, the
policies' secrets and their keys, the operator's copies of them in the secrets
namespace under secret sync, the Secrets headers are set from (never their
values), certificates and their SANs, DNS and HTTP rules, the workload's
selection and management by Cilium, proxies in its environment, CA trust, agent
logs), then the data path, read with cilium-dbg in the Cilium agent on the
workload's node and from Hubble Relay (the endpoint's redirect to Envoy, the
names the DNS proxy learned and the addresses they share, the certificates Envoy holds, the workload's last
flows to and from its TLS ports, Envoy's TLS counters: whether Envoy verifies
the real servers and completes its handshakes with them; they need create on
pods/exec and pods/portforward in the Cilium namespace and are unread without
it), then the known bugs of the running release the cluster meets (sandbox
versions), and name the first failure as the root cause, with its fix. A check whose
source could not be read says unread (?) and why; it never passes.

A dump (--from) must hold the DaemonSets, ConfigMaps and CiliumNetworkPolicies
(an empty List counts); other kinds may be left out, and their checks are unread.`, len(doctor.CheckIDs())) + exitCodes("no check failed (warnings and unread checks allowed)", "a check failed: the report's root cause names it, with its fix",
			"the doctor could not run: bad flags, no kubeconfig, an unreachable cluster, an unreadable or incomplete dump, a directory of several dumps"),
		Example: `  sandbox doctor
  sandbox doctor -v   # the evidence of every check, not only of failures
  sandbox doctor --kubeconfig .sandbox/kubeconfig --namespace my-app
  sandbox doctor --from ./dump --output json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDoctor(cmd, s, opts, g.verbosity > 0)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.kubeconfig, "kubeconfig", "", "kubeconfig of the cluster (default: $KUBECONFIG, else "+pipeline.DefaultKubeconfig+" when it exists, else ~/.kube/config)")
	f.StringVarP(&opts.namespace, "namespace", "n", doctor.DefaultWorkloadNamespace, "namespace of the intercepted workload and its policies")
	f.StringVar(&opts.ciliumNamespace, "cilium-namespace", doctor.DefaultCiliumNamespace, "namespace of the Cilium agents and cilium-config")
	f.StringVar(&opts.from, "from", "", "read a dump directory (kubectl get -o yaml output, agent *.log files, datapath/) instead of a cluster")
	bindOutput(cmd, &opts.output, "report format")
	f.StringVar(&opts.record, "record", "", "also write the state the doctor read into this directory, data-path outputs included (readable again with --from; private keys redacted)")
	return cmd
}

func runDoctor(cmd *cobra.Command, s streams, opts doctorOptions, allEvidence bool) error {
	format, err := parseOutput(opts.output)
	if err != nil {
		return err
	}
	if opts.from != "" && opts.kubeconfig != "" {
		return withCode(ExitUsage, fmt.Errorf("--from %q and --kubeconfig %q: give one source", opts.from, opts.kubeconfig))
	}
	var src doctor.Source = doctor.DumpSource{Dir: opts.from}
	if opts.from == "" {
		live, err := doctor.NewLiveSource(doctorKubeconfig(opts.kubeconfig))
		if err != nil {
			return withCode(ExitUsage, err)
		}
		src = live
	}
	rep, err := doctor.Run(cmd.Context(), src, doctor.Options{
		Scope:     doctor.Scope{CiliumNamespace: opts.ciliumNamespace, WorkloadNamespace: opts.namespace},
		RecordDir: opts.record,
	})
	if rep == nil {
		return withCode(ExitUsage, err)
	}
	if format.structured() {
		if werr := printData(s.out, format, rep); werr != nil {
			return werr
		}
	} else if werr := rep.WriteTextWith(s.out, doctor.TextOptions{AllEvidence: allEvidence}); werr != nil {
		return withCode(ExitFailed, fmt.Errorf("write report: %w", werr))
	}
	if err != nil {
		return withCode(ExitUsage, err)
	}
	if rep.Failed() {
		return reported(ExitFailed, fmt.Errorf("root cause: %s", rep.RootCause))
	}
	return nil
}

// doctorKubeconfig picks the kubeconfig: the flag, else $KUBECONFIG (through
// client-go's loading rules), else the sandbox's own kubeconfig when it
// exists, else client-go's default.
func doctorKubeconfig(flag string) string {
	if flag != "" || os.Getenv("KUBECONFIG") != "" {
		return flag
	}
	if _, err := os.Stat(pipeline.DefaultKubeconfig); err == nil {
		return pipeline.DefaultKubeconfig
	}
	return ""
}
