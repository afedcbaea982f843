package scenarios

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/cilium-tls-intercept/sandbox/sandbox/pipeline"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// Providers and upstream modes the suite accepts.
const (
	providerKind     = "kind"
	providerExisting = "existing"
	providerHermetic = "hermetic"
	upstreamLocal    = "local"
	upstreamInternet = "internet"
)

// runOptions are the suite's own flags (after go test's -args).
type runOptions struct {
	// provider: kind (default; reuses the sandbox or creates it), existing
	// (the cluster of --kubeconfig; the default when --kubeconfig is given)
	// or hermetic (the hermetic control plane: chart and certificates only).
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
}

// registerFlags defines the suite's flags on fs and returns where they land.
func registerFlags(fs *flag.FlagSet) *runOptions {
	o := &runOptions{}
	fs.StringVar(&o.provider, "provider", "", "cluster provider: kind, existing or hermetic (default kind, or existing when --kubeconfig is set)")
	fs.StringVar(&o.clusterName, "cluster-name", pipeline.DefaultClusterName, "kind cluster name (providers kind and hermetic)")
	fs.StringVar(&o.ciliumVersion, "cilium-version", versions.DefaultCilium, "Cilium release of the kind sandbox (providers kind and hermetic)")
	fs.StringVar(&o.nodeImage, "node-image", "", "kind node image; empty pairs one with the Cilium release")
	fs.StringVar(&o.upstream, "upstream", upstreamInternet, "test domains served by: internet (the real sites) or local (fake upstream on the kind network)")
	fs.StringVar(&o.artifacts, "artifacts", filepath.Join("..", ".sandbox", "artifacts"), "directory for a failed scenario's artifacts (relative paths start in ./scenarios)")
	fs.DurationVar(&o.probeTimeout, "probe-timeout", 20*time.Second, "curl --max-time of one probe")
	fs.DurationVar(&o.rotationTimeout, "rotation-timeout", 3*time.Minute, "how long a renewed certificate may take to be served")
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
	if !slices.Contains([]string{providerKind, providerExisting, providerHermetic}, o.provider) {
		errs = append(errs, fmt.Errorf("--provider=%q: want kind, existing or hermetic", o.provider))
	}
	if !slices.Contains([]string{upstreamLocal, upstreamInternet}, o.upstream) {
		errs = append(errs, fmt.Errorf("--upstream=%q: want local or internet", o.upstream))
	}
	if o.upstream == upstreamLocal && o.provider != providerKind {
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
