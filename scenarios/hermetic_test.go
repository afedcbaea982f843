package scenarios

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/e2e-framework/pkg/envconf"
	"sigs.k8s.io/e2e-framework/pkg/features"

	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
	"github.com/cilium-tls-intercept/sandbox/sandbox/scenario"
	"github.com/cilium-tls-intercept/sandbox/sandbox/steps"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/hermetic"
)

// TestHermetic runs the control-plane scenarios against the suite's
// hermetic control plane: the chart installed for real, certificates issued
// by cert-manager's own controllers, trust bundles by trust-manager's.
func TestHermetic(t *testing.T) {
	if p := providerName(); p != providerHermetic {
		t.Skipf("needs --provider=hermetic; provider is %s", p)
	}
	requireCluster(t)
	cilium := suite.opts.cilium
	var h *hermeticCluster
	var err error
	switch cp := controlPlane(); {
	case cp != nil:
		t.Logf("control plane started: %s", describePhases(cp.Phases))
		if h, err = newHermeticCluster(cp, cilium); err != nil {
			t.Fatal(err)
		}
	case testenv.EnvConf().DryRunMode():
		// --dry-run lists the features; none of them runs, so no control
		// plane was started and no client is needed.
		h = &hermeticCluster{cilium: cilium, tlsNS: intercept.TLSSecretsNamespace(cilium)}
	default:
		t.Fatal("provider hermetic but the suite started no control plane")
	}
	testenv.Test(t,
		h.featureCABootstrap(),
		h.featureLeafCertificates(),
		h.featurePoliciesAccepted(),
		h.featureSecretKeys(),
		h.featureRotation(),
		h.featureDoctor(),
		featureDataPathSkipped(),
		h.featureLifecycle(),
	)
}

// describePhases lists the start steps with their durations and the total.
func describePhases(phases []steps.Result) string {
	var total time.Duration
	parts := make([]string, 0, len(phases))
	for _, p := range phases {
		total += p.Duration
		parts = append(parts, fmt.Sprintf("%s %s", p.Name, p.Duration.Round(time.Millisecond)))
	}
	return fmt.Sprintf("%s in total (%s)", total.Round(time.Millisecond), strings.Join(parts, ", "))
}

// hermeticFeature starts a feature labelled for the hermetic provider.
func hermeticFeature(name, id string) *features.FeatureBuilder {
	return features.New(name).WithLabel(scenario.Label, id).WithLabel("provider", providerHermetic)
}

// timed runs an assessment and logs its duration.
func timed(fn func(ctx context.Context, t *testing.T)) features.Func {
	return func(ctx context.Context, t *testing.T, _ *envconf.Config) context.Context {
		start := time.Now()
		fn(ctx, t)
		t.Logf("took %s", time.Since(start).Round(time.Millisecond))
		return ctx
	}
}

func (h *hermeticCluster) featureCABootstrap() features.Feature {
	return hermeticFeature("CA chain bootstraps in cert-manager", scenario.Intercept).
		Assess("CA Certificate and both ClusterIssuers Ready", timed(func(ctx context.Context, t *testing.T) {
			if _, err := h.waitCertificateReady(ctx, hermetic.CertManagerNamespace, intercept.CAIssuer, 1); err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{intercept.CAIssuer + "-selfsigned", intercept.CAIssuer} {
				if err := h.waitClusterIssuerReady(ctx, name); err != nil {
					t.Fatal(err)
				}
			}
			ca, _, err := h.sandboxCA(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !ca.IsCA || !ca.PermittedDNSDomainsCritical || len(ca.PermittedDNSDomains) == 0 {
				t.Errorf("CA %q: IsCA=%v, critical name constraints=%v, permitted=%v",
					ca.Subject, ca.IsCA, ca.PermittedDNSDomainsCritical, ca.PermittedDNSDomains)
			}
		})).Feature()
}

func featureDataPathSkipped() features.Feature {
	return hermeticFeature("data path", scenario.Intercept).
		Assess("served chain, L7 rules, Hubble flows", func(ctx context.Context, t *testing.T, _ *envconf.Config) context.Context {
			t.Skip("hermetic mode runs no nodes or pods, so no Cilium datapath or Envoy: the data-path scenarios need --provider=kind or existing")
			return ctx
		}).Feature()
}
