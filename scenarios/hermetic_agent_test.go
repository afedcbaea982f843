//go:build linux

package scenarios

import (
	"context"
	"sync"
	"testing"
	"time"

	"sigs.k8s.io/e2e-framework/pkg/features"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/agent"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/hermetic"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/upstream"
)

// agentTierLabel selects the agent tier: --labels tier=agent.
const agentTierLabel = "tier"

// TestHermeticAgent runs the agent tier on the hermetic control plane:
// Cilium's own operator and agent code, in-process, turn the chart's
// installed policies and cert-manager's secrets into what Envoy would be
// given (kit/agent says what stands in for what).
func TestHermeticAgent(t *testing.T) {
	if p := providerName(); p != providerHermetic {
		t.Skipf("needs --provider=hermetic; provider is %s", p)
	}
	requireCluster(t)
	a := &agentTier{}
	if !testenv.EnvConf().DryRunMode() {
		if suite.cilium == nil {
			t.Skip(suite.ciliumSkip)
		}
		var err error
		if a, err = newAgentTier(suite.hermetic, suite.cilium, suite.fakeCerts); err != nil {
			t.Fatal(err)
		}
		t.Logf("Cilium's operator and agent started in-process in %s", a.c.StartTime.Round(time.Millisecond))
		for _, s := range a.c.StandIns {
			t.Logf("stand-in: %s", s)
		}
		t.Cleanup(func() {
			if err := a.inlineC.stop(context.Background()); err != nil {
				t.Errorf("stop the inline-mode agent: %v", err)
			}
		})
	}
	testenv.Test(t,
		a.featureOperatorCopies(),
		a.featureWorkloadPolicy(),
		a.featureNPDS(),
		a.featureHandshakes(),
		a.featureRotation(),
		a.featureInlineMissingTrust(),
		a.featureSourcesInSecretsNamespace(),
		a.featureMissingKey(),
		a.featureCredentialInjection(),
		a.featureNothingLeaks(),
	)
}

// agentFeature starts a feature of the agent tier.
func agentFeature(name, scenario string) *features.FeatureBuilder {
	return hermeticFeature(name, scenario).WithLabel(agentTierLabel, "agent")
}

// groupHosts are names each default group of the chart intercepts, which
// the handshakes try.
var groupHosts = map[string][]string{
	githubGroup: {githubHost, "github.com"},
	"aws":       {awsHost},
	"google":    {googleHost},
}

// agentTier is what the agent tier's features share.
type agentTier struct {
	h *hermeticCluster
	c *agent.InProcess
	// certs are the fake upstream's, whose CA the upstream trust holds.
	certs *upstream.Certs
	// secretsNS is the policy secrets namespace of cilium-config.
	secretsNS string

	// The inline-mode agent, started by the first failure mode needing it.
	inlineOnce sync.Once
	inlineC    *inlineCilium
	inlineErr  error
}

func newAgentTier(cp *hermetic.ControlPlane, c *agent.InProcess, certs *upstream.Certs) (*agentTier, error) {
	cilium, err := versions.ParseCilium(suite.opts.ciliumVersion)
	if err != nil {
		return nil, err
	}
	h, err := newHermeticCluster(cp, cilium)
	if err != nil {
		return nil, err
	}
	return &agentTier{h: h, c: c, certs: certs, secretsNS: c.Config[ciliumtls.ConfigNamespace]}, nil
}

// workloadView computes the agent's view of the chart's workload.
func (a *agentTier) workloadView(ctx context.Context, t *testing.T) (*workloadInputs, *agent.View) {
	t.Helper()
	in, err := a.inputs(ctx, intercept.WorkloadNamespace)
	if err != nil {
		t.Fatal(err)
	}
	v, err := a.c.Agent.ComputeView(in.viewInput())
	if err != nil {
		t.Fatalf("the chart's policies do not merge for the workload: %v", err)
	}
	return in, v
}
