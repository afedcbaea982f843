package scenarios

// The suite's shared names, for every test file of the package:
//
//   - testenv is the suite's e2e-framework environment (the framework's
//     idiom); features run with testenv.Test(t, feature).
//   - providerName() is the provider in use: "kind", "existing", "hermetic"
//     or "agent".
//   - skipReason() is why cluster tests cannot run here ("" when they can);
//     a test needing a cluster calls requireCluster(t), and one needing
//     Cilium's data path (agent, Envoy, pods) calls requireDataPath(t); one
//     needing the kernel's datapath or Hubble calls requireKernel(t, what),
//     which skips on the agent provider.
//   - controlPlane() is the hermetic control plane (providers hermetic and
//     agent).
//
// TestMain parses this suite's flags (see runOptions) together with
// e2e-framework's own (--kubeconfig, --labels, --feature, --skip-labels,
// ...), which all live on the standard flag set.

import (
	"context"
	"flag"
	"fmt"
	"os"
	"testing"

	"sigs.k8s.io/e2e-framework/pkg/env"
	"sigs.k8s.io/e2e-framework/pkg/envconf"

	"github.com/cilium-tls-intercept/sandbox/sandbox/cluster"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/hermetic"
)

// testenv is the suite's environment, built in TestMain.
var testenv env.Environment

// suite is the suite's state, set once in TestMain before any test runs.
var suite *suiteState

func TestMain(m *testing.M) {
	opts := registerFlags(flag.CommandLine)
	cfg, err := envconf.NewFromFlags()
	if err != nil {
		fmt.Fprintf(os.Stderr, "scenarios: %v\n", err)
		os.Exit(2)
	}
	// controller-runtime defines --kubeconfig on the standard flag set
	// first; e2e-framework then leaves it to that definition.
	if f := flag.Lookup("kubeconfig"); cfg.KubeconfigFile() == "" && f != nil && f.Value.String() != "" {
		cfg.WithKubeconfigFile(f.Value.String())
	}
	opts.kubeconfig = cfg.KubeconfigFile()
	if err := opts.resolve(); err != nil {
		fmt.Fprintf(os.Stderr, "scenarios: %v\n", err)
		os.Exit(2)
	}
	suite = &suiteState{opts: *opts}
	if !opts.hermeticControlPlane() && !cfg.DryRunMode() {
		suite.skip = preflight(context.Background(), *opts, cluster.CheckDocker)
	}
	if p := timeoutProblem(testTimeout(flag.CommandLine), *opts, suite.skip, cfg.DryRunMode()); p != "" {
		fmt.Fprintf(os.Stderr, "scenarios: %s\n", p)
		os.Exit(2)
	}
	testenv = env.NewWithConfig(cfg)
	testenv.Setup(suite.setup)
	testenv.Finish(suite.finish)
	testenv.AfterEachFeature(suite.collectOnFailure)
	os.Exit(testenv.Run(m))
}

// providerName returns the provider in use: kind, existing, hermetic or agent.
func providerName() string { return suite.opts.provider }

// skipReason returns why cluster tests cannot run here, or "".
func skipReason() string { return suite.skip }

// controlPlane returns the hermetic control plane, or nil for the other providers.
func controlPlane() *hermetic.ControlPlane { return suite.hermetic }

// requireCluster skips t when no cluster is available, saying what it needs.
// In e2e-framework's dry-run mode (--dry-run, or go test -list) nothing
// runs, so nothing is required: the features are listed.
func requireCluster(t *testing.T) {
	t.Helper()
	if testenv.EnvConf().DryRunMode() {
		return
	}
	if suite.skip != "" {
		t.Skip(suite.skip)
	}
	suite.require(t)
}

// requireDataPath skips t unless Cilium's data path runs the scenarios: a
// cluster's, or the agent provider's (the release's own agent with the
// Envoy stand-in); the hermetic control plane alone has no agent or Envoy.
func requireDataPath(t *testing.T) {
	t.Helper()
	requireCluster(t)
	if suite.opts.provider == providerHermetic && !testenv.EnvConf().DryRunMode() {
		t.Skip("no pods, Cilium datapath or Envoy in the hermetic control plane: --provider=agent runs the data path through Cilium's agent and an Envoy stand-in")
	}
}

// requireKernel skips t on the agent provider, which runs Cilium's agent
// code and a stand-in for Envoy's decisions but no kernel datapath, pods or
// Hubble: what needs names what it reads there.
func requireKernel(t *testing.T, what string) {
	t.Helper()
	if suite.opts.provider == providerAgent && !testenv.EnvConf().DryRunMode() {
		t.Skipf("needs %s, which the agent provider does not run (Cilium's agent code and an Envoy stand-in, no kernel datapath, pods or Hubble): --provider=kind or existing", what)
	}
}

// preflight returns why the kind or existing provider cannot run here, or "".
func preflight(ctx context.Context, o runOptions, checkDocker func(context.Context) error) string {
	if o.provider != providerKind {
		return ""
	}
	if err := checkDocker(ctx); err != nil {
		return fmt.Sprintf("needs a Docker daemon for the kind sandbox, or --kubeconfig of a cluster running the sandbox (%v)", err)
	}
	return ""
}
