package scenarios

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/cilium-tls-intercept/sandbox/sandbox/pipeline"
	"github.com/cilium-tls-intercept/sandbox/sandbox/release"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// Providers and upstream modes the suite accepts.
const (
	providerKind     = "kind"
	providerExisting = "existing"
	providerHermetic = "hermetic"
	providerAgent    = "agent"
	upstreamLocal    = "local"
	upstreamInternet = "internet"
)

// runOptions are the suite's own flags (after go test's -args).
type runOptions struct {
	// provider: kind (default; reuses the sandbox or creates it), existing
	// (the cluster of --kubeconfig; the default when --kubeconfig is given),
	// hermetic (the hermetic control plane: chart and certificates, and the
	// agent tier) or agent (the hermetic control plane with the release's
	// own operator and agent in a helper, the data path through the Envoy
	// stand-in: the scenarios' features without a kernel).
	provider string
	// kubeconfig is e2e-framework's --kubeconfig: the cluster to use
	// (existing), or where the kind sandbox's kubeconfig is written (kind;
	// ../.sandbox/kubeconfig, the one make sandbox writes, when empty).
	kubeconfig                            string
	clusterName, ciliumVersion, nodeImage string
	// cilium is --cilium-version, parsed by resolve.
	cilium                                  versions.Cilium
	upstream                                string
	artifacts                               string
	probeTimeout, rotationTimeout, waitTime time.Duration
	// rotationTimeoutSet says --rotation-timeout was given; without it
	// resolve picks the provider's default.
	rotationTimeoutSet bool
}

// Defaults of --rotation-timeout. On a cluster a renewal travels through
// cert-manager, the operator's copy, the agent's SDS and Envoy; on the agent
// provider the release's agent in its helper serves the new secret over SDS
// within seconds (3 s measured on 1.17.17), so half a minute is ten times
// what it needs and a release that never serves it (K7 on 1.16) fails in
// 30 s, not 3 minutes.
const (
	defaultRotationTimeout      = 3 * time.Minute
	agentDefaultRotationTimeout = 30 * time.Second
)

// registerFlags defines the suite's flags on fs and returns where they land.
func registerFlags(fs *flag.FlagSet) *runOptions {
	o := &runOptions{}
	fs.StringVar(&o.provider, "provider", "", "cluster provider: kind, existing, hermetic or agent (default kind, or existing when --kubeconfig is set)")
	fs.StringVar(&o.clusterName, "cluster-name", pipeline.DefaultClusterName, "kind cluster name (provider kind)")
	fs.StringVar(&o.ciliumVersion, "cilium-version", versions.DefaultCilium, "Cilium release of the kind sandbox, or whose own code the hermetic and agent providers run")
	fs.StringVar(&o.nodeImage, "node-image", "", "kind node image; empty pairs one with the Cilium release")
	fs.StringVar(&o.upstream, "upstream", "", "test domains served by: internet (the real sites; the default) or local (fake upstreams on the kind network; always on the agent provider, in-process)")
	fs.StringVar(&o.artifacts, "artifacts", filepath.Join("..", ".sandbox", "artifacts"), "directory for a failed scenario's artifacts (relative paths start in ./scenarios)")
	fs.DurationVar(&o.probeTimeout, "probe-timeout", 20*time.Second, "curl --max-time of one probe")
	fs.Func("rotation-timeout", "how long a renewed certificate or secret may take to be served (default 3m0s; 30s on the agent provider)", func(s string) error {
		d, err := time.ParseDuration(s)
		if err != nil {
			return err
		}
		o.rotationTimeout, o.rotationTimeoutSet = d, true
		return nil
	})
	fs.DurationVar(&o.waitTime, "wait-timeout", 3*time.Minute, "how long to wait for the workload, CA and DNS to be ready")
	return o
}

// resolve fills defaults and rejects bad values, naming them, before
// anything is applied.
func (o *runOptions) resolve() error {
	if o.provider == "" {
		o.provider = providerKind
		if o.kubeconfig != "" {
			o.provider = providerExisting
		}
	}
	var errs []error
	if !slices.Contains([]string{providerKind, providerExisting, providerHermetic, providerAgent}, o.provider) {
		errs = append(errs, fmt.Errorf("--provider=%q: want kind, existing, hermetic or agent", o.provider))
	}
	switch {
	case o.provider == providerAgent && o.upstream == upstreamInternet:
		errs = append(errs, fmt.Errorf("--upstream=internet with --provider=agent: the agent provider's upstreams are in-process fakes; the real sites need --provider=kind or existing"))
	case o.provider == providerAgent:
		o.upstream = upstreamLocal
	case o.upstream == "":
		o.upstream = upstreamInternet
	}
	if !slices.Contains([]string{upstreamLocal, upstreamInternet}, o.upstream) {
		errs = append(errs, fmt.Errorf("--upstream=%q: want local or internet", o.upstream))
	}
	if o.upstream == upstreamLocal && o.provider != providerKind && o.provider != providerAgent {
		errs = append(errs, fmt.Errorf("--upstream=local with --provider=%s: the fake upstream runs on kind's Docker network, use --provider=kind", o.provider))
	}
	if v, err := versions.ParseCilium(o.ciliumVersion); err != nil {
		errs = append(errs, fmt.Errorf("--cilium-version=%q: %w", o.ciliumVersion, err))
	} else {
		o.cilium = v
	}
	if o.provider == providerExisting {
		if o.kubeconfig == "" {
			errs = append(errs, errors.New("--provider=existing needs --kubeconfig"))
		} else if _, err := os.Stat(o.kubeconfig); err != nil {
			errs = append(errs, fmt.Errorf("--kubeconfig=%q: %w", o.kubeconfig, err))
		}
	}
	if !o.rotationTimeoutSet {
		o.rotationTimeout = defaultRotationTimeout
		if o.provider == providerAgent {
			o.rotationTimeout = agentDefaultRotationTimeout
		}
	}
	durations := []struct {
		flag string
		d    time.Duration
	}{{"probe-timeout", o.probeTimeout}, {"rotation-timeout", o.rotationTimeout}, {"wait-timeout", o.waitTime}}
	for _, d := range durations {
		if d.d <= 0 {
			errs = append(errs, fmt.Errorf("--%s=%s: want a positive duration", d.flag, d.d))
		}
	}
	if abs, err := filepath.Abs(o.artifacts); err == nil {
		o.artifacts = abs
	}
	return errors.Join(errs...)
}

// hermeticControlPlane says whether the provider runs the scenarios on the
// hermetic control plane (hermetic and agent) rather than on a cluster.
func (o runOptions) hermeticControlPlane() bool {
	return o.provider == providerHermetic || o.provider == providerAgent
}

// repoRoot is the repository's root as seen from the scenarios' package
// directory, where go test runs them: the sandbox's kubeconfig and chart
// cache are the ones `make sandbox` uses there.
const repoRoot = ".."

// upOptions are the options the kind provider brings the sandbox up with:
// the repository's kubeconfig and chart cache (not ./scenarios' own), so
// the scenarios reuse what `make sandbox` downloaded and run offline after it.
func (o runOptions) upOptions(values map[string]any) pipeline.Options {
	return pipeline.Options{
		ClusterName:    o.clusterName,
		Cilium:         o.cilium,
		NodeImage:      o.nodeImage,
		KubeconfigPath: cmp.Or(o.kubeconfig, filepath.Join(repoRoot, pipeline.DefaultKubeconfig)),
		ChartCacheDir:  filepath.Join(repoRoot, release.DefaultChartCache),
		ChartValues:    values,
	}
}

// goTestDefaultTimeout is the go command's -timeout when none is given.
const goTestDefaultTimeout = 10 * time.Minute

// minClusterTimeout is the least go test -timeout a run of the scenarios on
// a cluster accepts, and suggestedTimeout the one it asks for (make e2e's;
// the e2e workflow passes 50m, the matrix 90m).
const (
	minClusterTimeout = 30 * time.Minute
	suggestedTimeout  = 60 * time.Minute
)

// timeoutProblem says why go test's -timeout (0: none) is too short for the
// run o describes, or "" when it is long enough or nothing will run on a
// cluster (cluster tests skip, dry run, the hermetic provider). A run the
// go command kills at its timeout skips its teardown, which removes the
// fake upstreams and CoreDNS's hosts block offline.
func timeoutProblem(timeout time.Duration, o runOptions, skip string, dryRun bool) string {
	if dryRun || skip != "" || o.hermeticControlPlane() || timeout <= 0 || timeout >= minClusterTimeout {
		return ""
	}
	what := timeout.String()
	if timeout == goTestDefaultTimeout {
		what += " (its default)"
	}
	return fmt.Sprintf("go test's -timeout of %s is too short for the scenarios on a cluster: "+
		"a cold sandbox up, the settles and the rotation take longer, and a run killed at the timeout skips its cleanup. "+
		"Run: go test -timeout %s ./scenarios (make e2e does), or -timeout 0 for no limit", what, shortDuration(suggestedTimeout))
}

// shortDuration prints d as go test's flag takes it: 60m, not 1h0m0s.
func shortDuration(d time.Duration) string {
	return strconv.Itoa(int(d.Minutes())) + "m"
}

// testTimeout returns go test's -timeout (the flag test.timeout), 0 when
// it is not defined.
func testTimeout(fs *flag.FlagSet) time.Duration {
	f := fs.Lookup("test.timeout")
	if f == nil {
		return 0
	}
	if g, ok := f.Value.(flag.Getter); ok {
		if d, ok := g.Get().(time.Duration); ok {
			return d
		}
	}
	return 0
}
