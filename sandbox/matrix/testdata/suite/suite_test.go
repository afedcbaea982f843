// Package suite is a stand-in for ./scenarios used by the matrix's tests:
// the same flags, e2e-framework features with descriptive names labelled
// scenario=<ID> (as ./scenarios names them), a plain unit test, and
// outcomes that depend on --cilium-version, so the runner is tested against
// real test2json output without a cluster.
package suite

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
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
	upstream = flag.String("upstream", "local", "local or internet")
	_        = flag.String("artifacts", "", "artifacts directory")
)

func TestMain(m *testing.M) {
	cfg, err := envconf.NewFromFlags()
	if err != nil || (*provider != "existing" && *provider != "kind") || !filepath.IsAbs(cfg.KubeconfigFile()) {
		fmt.Fprintf(os.Stderr, "suite: want --provider=existing or kind and an absolute --kubeconfig, got %q %q (%v)\n", *provider, cfg.KubeconfigFile(), err)
		os.Exit(2)
	}
	if os.Getenv("MATRIX_SUITE_SETUP_FAILS") != "" {
		fmt.Println("setup: cluster unreachable: connection refused")
		os.Exit(1)
	}
	testenv = env.NewWithConfig(cfg)
	os.Exit(testenv.Run(m))
}

func scenario(name, id, assessment string, fn func(t *testing.T)) features.Feature {
	return features.New(name).WithLabel("scenario", id).
		Assess(assessment, func(ctx context.Context, t *testing.T, _ *envconf.Config) context.Context {
			fn(t)
			return ctx
		}).Feature()
}

// TestValuesRender is a plain unit test: no scenario owns it.
func TestValuesRender(t *testing.T) {
	t.Run("renders", func(*testing.T) {})
}

func TestScenarios(t *testing.T) {
	pass := func(*testing.T) {}
	testenv.Test(t,
		scenario("CA chain bootstraps in cert-manager", "intercept", "served chain ends at the sandbox CA", pass),
		scenario("wildcard groups", "wildcard-groups", "wildcard group intercepted", func(t *testing.T) {
			if strings.HasPrefix(*cilium, "1.16.") || strings.HasPrefix(*cilium, "1.17.") {
				t.Skip("wildcard serverNames need Cilium 1.18")
			}
		}),
		scenario("other domains", "pass-through", "other domains keep the public chain", pass),
		scenario("denied path", "l7-deny", "denied path gets 403", pass),
		scenario("hubble flows", "hubble-visibility", "hubble saw the request", pass),
		scenario("leaf renewal", "rotation", "cert-manager renews the leaf", pass),
		scenario("renewed leaf served", "rotation", "renewed leaf is served", func(t *testing.T) {
			t.Log("renewing intercept-github-tls")
			if strings.HasPrefix(*cilium, "1.17.") {
				t.Fatal("served certificate did not change after renewal: serial 1f still served after 2m0s")
			}
		}),
		scenario("ca.crt in the leaf secret", "ca-crt-in-secret", "ca.crt in the leaf secret is harmless", pass),
		scenario("unlisted domain", "negative-control", "unlisted domain goes straight through", pass),
		scenario("credential injection", "credential-injection", "the upstream receives the Secret's value", pass),
		scenario("host in no policy", "default-deny", "host in no policy is dropped: curl times out", func(t *testing.T) {
			if *upstream == "local" {
				t.Skip("needs --upstream=internet")
			}
		}),
	)
}
