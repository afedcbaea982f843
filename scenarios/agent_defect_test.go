package scenarios

// The defect of the first offline live run, shown on the agent provider:
// the CoreDNS hosts block then answered every test name with the one fake
// upstream container's address. In Cilium an identity belongs to an
// address, so every name shared one identity, which every group's policy
// and the pass-through policy selected; Envoy then chose, for every name,
// the first allowing rule with a TLS context among all of them.

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun"
	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun/wire"
	"github.com/cilium-tls-intercept/sandbox/sandbox/dnsanswer"
	"github.com/cilium-tls-intercept/sandbox/sandbox/envoystandin"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/agentprobe"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/probe"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/upstream"
)

// defectCheck is one request of the pass-through and l7-deny scenarios
// and the outcome the scenario expects; public is expectPublic's further
// check that the chain verifies against the public roots.
type defectCheck struct {
	scenario string
	req      request
	want     probe.Expectation
	public   bool
}

var defectChecks = []defectCheck{
	{"pass-through", request{"GET", passThroughHost, "/"}, probe.PublicChain, true},
	{"l7-deny", request{"POST", githubHost, githubPath}, probe.Denied403, false},
	{"l7-deny", request{"GET", githubHost, deniedPath}, probe.Denied403, false},
}

// outcome is how c's scenario judges r: "" when it passes.
func (c defectCheck) outcome(r probe.Result) string {
	if r.Expectation != c.want {
		return fmt.Sprintf("%s, want %s", r.Expectation, c.want)
	}
	if c.public {
		if err := r.VerifyAgainst(suite.publicRoots, time.Now()); err != nil {
			return fmt.Sprintf("%s, but not the public chain: %v", r.Expectation, err)
		}
	}
	return ""
}

// TestSharedAddressDefect feeds the old offline answers (every name at one
// address) to a fresh agent of the release and expects pass-through and
// l7-deny to fail there, naming the shared identity and the rule the
// Envoy stand-in chooses; with one address per name (the answers the
// agent provider runs with) both pass.
func TestSharedAddressDefect(t *testing.T) {
	requireDataPath(t)
	if providerName() != providerAgent {
		t.Skipf("needs --provider=agent (feeds DNS answers to the release's agent); provider is %s", providerName())
	}
	ctx := context.Background()
	shared, err := oldOfflineAnswers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		answers  dnsanswer.Answers
		wantFail bool
	}{
		{"one address per name (the hosts block now)", suite.agent.answers, false},
		{"every name at one address (the old hosts block)", shared, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A fresh agent for each: the agent's DNS cache keeps what it
			// was given, so the shared address must not reach the suite's.
			w := freshAgentWorld(ctx, t)
			p := &agentprobe.Prober{World: w, Answers: tt.answers, PodCA: suite.sandboxCA, Upstream: suite.agent.upstream}
			failed := map[string]bool{}
			for _, c := range defectChecks {
				r, err := p.Probe(ctx, c.req.probeRequest(suite.opts.probeTimeout))
				if err != nil {
					t.Fatal(err)
				}
				why := explainChoice(t, w, tt.answers, c.req)
				if bad := c.outcome(r); bad != "" {
					failed[c.scenario] = true
					t.Logf("%s fails: %s https://%s%s: %s; %s", c.scenario, c.req.method, c.req.host, c.req.path, bad, why)
				} else {
					t.Logf("%s passes: %s https://%s%s: %s; %s", c.scenario, c.req.method, c.req.host, c.req.path, r.Expectation, why)
				}
			}
			for _, sc := range []string{"pass-through", "l7-deny"} {
				if failed[sc] != tt.wantFail {
					t.Errorf("%s: failed=%v with %s, want failed=%v", sc, failed[sc], tt.name, tt.wantFail)
				}
			}
		})
	}
}

// oldOfflineAnswers are what CoreDNS answered from the hosts block that
// put every offline name at the one fake upstream container's address,
// written and read back by the same functions as today's.
func oldOfflineAnswers(ctx context.Context) (dnsanswer.Answers, error) {
	u := &upstream.Upstream{}
	for _, n := range offlineHosts() {
		u.Servers = append(u.Servers, upstream.Server{Name: n, Addr: agentAddrBase})
	}
	return hostsBlockAnswers(ctx, versions.Cilium{}, u.Answers())
}

// freshAgentWorld starts the release's agent alone in a second helper
// session (the suite's operator syncs the secrets) and returns the
// workload's world in it; the agent stops when t ends.
func freshAgentWorld(ctx context.Context, t *testing.T) *agentprobe.ClusterWorld {
	t.Helper()
	c, err := ciliumrun.StartCluster(context.WithoutCancel(ctx), suite.cilium.helper,
		wire.StartRequest{Kubeconfig: suite.hermetic.KubeconfigPath, NoOperator: true}, os.Stderr)
	if err != nil {
		t.Fatalf("start a second agent: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("stop the second agent: %v", err)
		}
	})
	main, err := suite.agent.world(ctx, suite, suite.workload)
	if err != nil {
		t.Fatal(err)
	}
	return &agentprobe.ClusterWorld{Cluster: c, Workload: main.Workload}
}

// explainChoice names the identity req's host's address has in w's last
// view, with its labels, the rule whose TLS context the Envoy stand-in
// chooses for a connection to it on 443 with the host as SNI, and the rule
// whose verdict decides the request.
func explainChoice(t *testing.T, w *agentprobe.ClusterWorld, answers dnsanswer.Answers, req request) string {
	t.Helper()
	host := req.host
	addrs := answers.Addrs(host)
	if len(addrs) == 0 || w.Last == nil {
		return "no address or view"
	}
	v, err := agentprobe.ViewOf(w.Last)
	if err != nil {
		return err.Error()
	}
	d, err := v.Envoy.Decide(envoystandin.Connection{Remote: netip.AddrPortFrom(addrs[0], 443), SNI: host})
	if err != nil {
		return "stand-in: " + err.Error()
	}
	var labels []string
	for _, id := range w.Last.Identities {
		if id.ID == d.RemoteIdentity {
			labels = id.Labels
		}
	}
	verdict := "not authorized: no TLS termination"
	if d.Server != nil {
		rv := v.Envoy.Authorize(d, &envoystandin.Request{Method: req.method, Path: req.path, Authority: host})
		switch {
		case rv.Allowed && rv.Rule != nil:
			verdict = "allowed by " + describeRule(rv.Rule)
		case rv.Allowed:
			verdict = "allowed: no HTTP rules on the port"
		default:
			verdict = "denied (403): no rule allows it"
		}
	}
	return fmt.Sprintf("%s is identity %d (%s); the stand-in terminates with %s, the request is %s",
		addrs[0], d.RemoteIdentity, strings.Join(fqdnLabels(labels), ", "), describeRule(d.Server), verdict)
}

// fqdnLabels keeps the fqdn: labels, the selectors the address matched.
func fqdnLabels(labels []string) []string {
	var out []string
	for _, l := range labels {
		if strings.HasPrefix(l, "fqdn:") {
			out = append(out, l)
		}
	}
	if len(out) == 0 {
		return labels
	}
	return out
}

// describeRule names r with what decides for it: its serverNames, its
// HTTP rules and whether it carries a server TLS context.
func describeRule(r *envoystandin.Rule) string {
	if r == nil {
		return "no rule (the bytes pass through raw)"
	}
	p := r.Proto
	if p == nil {
		return r.String()
	}
	return fmt.Sprintf("%s [serverNames %v, %d HTTP rules, server TLS context %v]", r, p.GetServerNames(),
		len(p.GetHttpRules().GetHttpRules()), p.GetDownstreamTlsContext() != nil)
}
