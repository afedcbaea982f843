// Package suite is a stand-in for ./scenarios used by the matrix's tests:
// the same flags, e2e-framework features named and labelled by scenario ID,
// and outcomes that depend on --cilium-version, so the runner is tested
// against real `go test -json` output without a cluster.
package suite

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"sigs.k8s.io/e2e-framework/pkg/env"
	"sigs.k8s.io/e2e-framework/pkg/envconf"
	"sigs.k8s.io/e2e-framework/pkg/features"
)

var (
	testenv  env.Environment
	provider = flag.String("provider", "kind", "kind, existing or hermetic")
	cilium   = flag.String("cilium-version", "", "Cilium release")
	_        = flag.String("cluster-name", "", "kind cluster name")
	_        = flag.String("node-image", "", "kind node image")
	_        = flag.String("upstream", "local", "local or internet")
	_        = flag.String("artifacts", "", "artifacts directory")
)

func TestMain(m *testing.M) {
	cfg, err := envconf.NewFromFlags()
	if err != nil || *provider != "existing" || cfg.KubeconfigFile() == "" {
		fmt.Fprintf(os.Stderr, "suite: want --provider=existing and --kubeconfig, got %q %q (%v)\n", *provider, cfg.KubeconfigFile(), err)
		os.Exit(2)
	}
	if os.Getenv("MATRIX_SUITE_SETUP_FAILS") != "" {
		fmt.Println("setup: cluster unreachable: connection refused")
		os.Exit(1)
	}
	testenv = env.NewWithConfig(cfg)
	os.Exit(testenv.Run(m))
}

func scenario(id, assessment string, fn func(t *testing.T)) features.Feature {
	return features.New(id).WithLabel("scenario", id).
		Assess(assessment, func(ctx context.Context, t *testing.T, _ *envconf.Config) context.Context {
			fn(t)
			return ctx
		}).Feature()
}

func TestScenarios(t *testing.T) {
	pass := func(*testing.T) {}
	testenv.Test(t,
		scenario("intercept", "served chain ends at the sandbox CA", pass),
		scenario("wildcard-groups", "wildcard group intercepted", func(t *testing.T) {
			if strings.HasPrefix(*cilium, "1.16.") || strings.HasPrefix(*cilium, "1.17.") {
				t.Skip("wildcard serverNames need Cilium 1.18")
			}
		}),
		scenario("pass-through", "other domains keep the public chain", pass),
		scenario("l7-deny", "denied path gets 403", pass),
		scenario("hubble-visibility", "hubble saw the request", pass),
		scenario("rotation", "renewed leaf is served", func(t *testing.T) {
			t.Log("renewing intercept-github-tls")
			if strings.HasPrefix(*cilium, "1.17.") {
				t.Fatal("served certificate did not change after renewal: serial 1f still served after 2m0s")
			}
		}),
		scenario("ca-crt-in-secret", "ca.crt in the leaf secret is harmless", pass),
		scenario("negative-control", "unlisted domain goes straight through", pass),
	)
}
