package scenarios

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/e2e-framework/pkg/features"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun/wire"
	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
	"github.com/cilium-tls-intercept/sandbox/sandbox/dnsanswer"
	"github.com/cilium-tls-intercept/sandbox/sandbox/envoystandin"
	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/agentprobe"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/upstream"
)

// agentTierLabel selects the agent tier: --labels tier=agent.
const agentTierLabel = "tier"

// TestHermeticAgent runs the agent tier on the hermetic control plane: the
// release's own operator and agent code, in a helper built for the release
// (--cilium-version), turn the chart's installed policies and
// cert-manager's secrets into what Envoy would be given. What the
// scenarios' own features assert runs on --provider=agent; these are what
// no live run can show (NPDS and SDS) and the failure modes no live
// feature provokes.
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
		if a, err = newAgentTier(suite.cilium, suite.fakeCerts); err != nil {
			t.Fatal(err)
		}
		t.Logf("Cilium %s's operator and agent started in a helper in %s", a.c.Release(), a.c.StartTime.Round(time.Millisecond))
		for _, s := range a.c.StandIns {
			t.Logf("stand-in: %s", s)
		}
		t.Cleanup(func() {
			if err := a.inlineC.Stop(context.Background()); err != nil {
				t.Errorf("stop the inline-mode agent: %v", err)
			}
		})
	}
	testenv.Test(t,
		a.featureOperatorCopies(),
		a.featureNPDS(),
		a.featureRotation(),
		a.featureHeaderSecret(),
		a.featureInlineMissingTrust(),
		a.featureSourcesInSecretsNamespace(),
		a.featureMissingKey(),
		a.featureNothingLeaks(),
	)
}

// agentFeature starts a feature of the agent tier.
func agentFeature(name, scenario string) *features.FeatureBuilder {
	return hermeticFeature(name, scenario).WithLabel(agentTierLabel, "agent")
}

// agentTier is what the agent tier's features share.
type agentTier struct {
	h *hermeticCluster
	c *ciliumCluster
	// certs are the fake upstream's, whose CA the upstream trust holds.
	certs *upstream.Certs
	// config is the cilium-config the release's agent runs with.
	config ciliumtls.Config
	// answers are the DNS answers views are computed after: those of the
	// agent provider.
	answers dnsanswer.Answers

	// The inline-mode agent, started by the first failure mode needing it.
	inlineOnce sync.Once
	inlineC    *ciliumCluster
	inlineErr  error
}

func newAgentTier(c *ciliumCluster, certs *upstream.Certs) (*agentTier, error) {
	h, err := newHermeticCluster(controlPlane(), suite.opts.cilium)
	if err != nil {
		return nil, err
	}
	answers, err := agentAnswers(context.Background(), suite.opts.cilium)
	if err != nil {
		return nil, err
	}
	return &agentTier{h: h, c: c, certs: certs, config: ciliumtls.ConfigFrom(c.Config), answers: answers}, nil
}

// secretsNS is the policy secrets namespace of cilium-config.
func (a *agentTier) secretsNS() string { return a.config.Namespace }

// workload is the chart's workload as a pod of its Deployment's template
// would be, placed in namespace ns.
func (a *agentTier) workload(ctx context.Context, t *testing.T, ns string) wire.Workload {
	t.Helper()
	d, err := a.h.kube.AppsV1().Deployments(intercept.WorkloadNamespace).Get(ctx, intercept.WorkloadLabel, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the chart's workload Deployment: %v", err)
	}
	sa := d.Spec.Template.Spec.ServiceAccountName
	if sa == "" {
		sa = "default"
	}
	return wire.Workload{Name: fmt.Sprintf("pods of Deployment %s/%s, in %s", d.Namespace, d.Name, ns), Namespace: ns,
		Labels: d.Spec.Template.Labels, ServiceAccount: sa}
}

// view asks agent c for the view of the workload placed in ns, after the
// agent provider's answers.
func (a *agentTier) view(ctx context.Context, t *testing.T, c *ciliumCluster, ns string) *wire.ClusterView {
	t.Helper()
	cv, err := c.View(wire.ViewRequest{Workload: a.workload(ctx, t, ns), DNS: agentprobe.WireAnswers(a.answers), IncludeSecretValues: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range cv.Policies {
		if p.Error != "" && p.Namespace == ns {
			t.Logf("Cilium refuses %s %s/%s: %s", p.Kind, p.Namespace, p.Name, p.Error)
		}
	}
	return cv
}

// githubConnection is the workload's connection to api.github.com, as
// Envoy sees it once redirected: the answer's address, port 443, its SNI.
func (a *agentTier) githubConnection(t *testing.T) envoystandin.Connection {
	t.Helper()
	addrs := a.answers.Addrs(githubHost)
	if len(addrs) == 0 {
		t.Fatalf("the answers hold no address of %s", githubHost)
	}
	return envoystandin.Connection{Remote: netip.AddrPortFrom(addrs[0], 443), SNI: githubHost}
}

// standInServes runs the Envoy stand-in on the view for the connection to
// api.github.com and returns the error of building the TLS it would
// terminate with (nil when it can).
func (a *agentTier) standInServes(t *testing.T, cv *wire.ClusterView) error {
	t.Helper()
	v, err := agentprobe.ViewOf(cv)
	if err != nil {
		return err
	}
	d, err := v.Envoy.Decide(a.githubConnection(t))
	if err != nil {
		return err
	}
	_, name, err := v.Envoy.ServerTLS(d)
	if err == nil {
		t.Logf("the Envoy stand-in terminates %s with %s (SDS %q)", githubHost, d.Server, name)
	}
	return err
}

// policyErrorMentions fails t unless the view is the agent failing to
// compute the endpoint's policy, its error mentioning each of want.
func policyErrorMentions(t *testing.T, cv *wire.ClusterView, want ...string) {
	t.Helper()
	v := cv.View
	if v.PolicyError == "" {
		t.Fatalf("the agent computed the policy of %s; want it to fail", v.Workload.Name)
	}
	for _, w := range want {
		if !strings.Contains(v.PolicyError, w) {
			t.Errorf("the agent's error does not mention %q: %s", w, v.PolicyError)
		}
	}
	t.Logf("the agent: %s", v.PolicyError)
	for _, l := range v.Logged {
		t.Logf("the agent logged: %s", l)
	}
}
