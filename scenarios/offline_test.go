package scenarios

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/e2e-framework/pkg/envconf"

	"github.com/cilium-tls-intercept/sandbox/sandbox/dnsanswer"
	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
	"github.com/cilium-tls-intercept/sandbox/sandbox/pipeline"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/probe"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/upstream"
)

// offlineHosts are the names the fake upstream serves offline, each from a
// container of its own: the test hosts, and deniedHost, which the
// default-deny scenario expects the policies to drop. A server behind it
// makes a timeout mean what it means on the internet: the policy dropped
// the connection, not that nothing listens.
func offlineHosts() []string {
	return append(testHosts(), deniedHost)
}

// setupKind reuses or creates the sandbox with the scenarios' chart values.
// Whatever the upstream mode it first removes what a killed offline run
// left behind (fake upstream containers, CoreDNS's hosts block); offline it
// then starts a fake upstream per name and makes CoreDNS answer each name
// with its own container's address.
func (s *suiteState) setupKind(ctx context.Context, cfg *envconf.Config) error {
	if removed, err := upstream.RemoveLeftovers(ctx); err != nil {
		return err
	} else if len(removed) > 0 {
		fmt.Fprintf(os.Stderr, "scenarios: removed fake upstream containers a killed run left: %s\n", strings.Join(removed, ", "))
	}
	var certs *upstream.Certs
	var fakeCA []byte
	if s.opts.upstream == upstreamLocal {
		var err error
		if certs, err = upstream.NewCerts(offlineHosts(), time.Now()); err != nil {
			return err
		}
		fakeCA = certs.CAPEM
	}
	values := chartValues(s.opts.upstream, fakeCA)
	rep, err := pipeline.Up(ctx, s.opts.upOptions(values))
	if err != nil {
		return fmt.Errorf("sandbox up: %w", err)
	}
	cfg.WithKubeconfigFile(rep.KubeconfigPath)
	rc, err := restConfigOf(cfg)
	if err != nil {
		return err
	}
	cs, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return fmt.Errorf("kubernetes client: %w", err)
	}
	var answers dnsanswer.Answers
	if certs != nil {
		if answers, err = s.startFakeUpstream(ctx, certs, values); err != nil {
			return err
		}
	}
	return pointCoreDNS(ctx, cs, answers, s.opts.waitTime)
}

// startFakeUpstream starts a fake upstream per offline name and returns the
// answers CoreDNS must give, once checked against the chart's policies.
func (s *suiteState) startFakeUpstream(ctx context.Context, certs *upstream.Certs, values map[string]any) (dnsanswer.Answers, error) {
	var err error
	s.fake, err = upstream.Start(ctx, upstream.Options{
		Source: filepath.Join(repoRoot, "cmd", "fake-upstream"),
		Names:  offlineHosts(),
		Certs:  certs,
	})
	if err != nil {
		return nil, err
	}
	if s.publicRoots, err = probe.PoolFromPEM(certs.CAPEM); err != nil {
		return nil, err
	}
	answers := s.fake.Answers()
	policies, err := fqdnPolicies(ctx, s.opts.cilium, values)
	if err != nil {
		return nil, err
	}
	if err := separatePolicies(answers, policies); err != nil {
		return nil, fmt.Errorf("fake upstream answers: %w", err)
	}
	return answers, nil
}

// pointCoreDNS makes CoreDNS give exactly answers for their names, or, with
// none (the internet mode), removes a hosts block a killed offline run
// left, which would send the test names to addresses nothing serves. Then
// it waits until CoreDNS's pods all serve the result: an old pod could
// still answer otherwise, and Cilium's DNS proxy would learn its answer.
func pointCoreDNS(ctx context.Context, cs kubernetes.Interface, answers dnsanswer.Answers, timeout time.Duration) error {
	var err error
	if len(answers) == 0 {
		_, err = upstream.RemoveHosts(ctx, cs)
	} else {
		_, err = upstream.EnsureHosts(ctx, cs, answers)
	}
	if err != nil {
		return fmt.Errorf("coredns hosts block: %w", err)
	}
	return upstream.WaitCoreDNS(ctx, cs, timeout)
}

// fqdnPolicies renders the chart for Cilium release v (the default when
// zero) with values and returns, for each CiliumNetworkPolicy, its toFQDNs
// selectors.
func fqdnPolicies(ctx context.Context, v versions.Cilium, values map[string]any) (map[string][]map[string]any, error) {
	r, err := intercept.Render(ctx, intercept.RenderOptions{Cilium: v, Values: values})
	if err != nil {
		return nil, err
	}
	objs, err := r.Objects()
	if err != nil {
		return nil, err
	}
	out := map[string][]map[string]any{}
	for _, o := range objs {
		if o.GetKind() != "CiliumNetworkPolicy" {
			continue
		}
		egress, _, _ := unstructured.NestedSlice(o.Object, "spec", "egress")
		for _, e := range egress {
			fqdns, _, _ := unstructured.NestedSlice(e.(map[string]any), "toFQDNs")
			for _, f := range fqdns {
				out[o.GetName()] = append(out[o.GetName()], f.(map[string]any))
			}
		}
	}
	return out, nil
}

// selectingPolicies returns, sorted, the policies with a toFQDNs selector
// selecting name.
func selectingPolicies(name string, policies map[string][]map[string]any) []string {
	var out []string
	for p, sels := range policies {
		if slices.ContainsFunc(sels, func(sel map[string]any) bool { return fqdnSelects(sel, name) }) {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// separatePolicies fails when two names that different policies select
// (or that one policy selects and another does not) resolve to one
// address. Cilium gives an address one identity, selected by every
// toFQDNs selector of every name that resolved to it; the policy map then
// merges their rules, a proxy redirect taking precedence (Cilium's
// pkg/policy/types/entry.go), so one group's interception would apply to
// another group's name, or to a pass-through one.
func separatePolicies(answers dnsanswer.Answers, policies map[string][]map[string]any) error {
	var errs []string
	for _, sh := range answers.SharedAddrs() {
		by := map[string][]string{}
		for _, n := range sh.Names {
			key := strings.Join(selectingPolicies(n, policies), ",")
			by[key] = append(by[key], n)
		}
		if len(by) < 2 {
			continue
		}
		var parts []string
		for _, key := range slices.Sorted(maps.Keys(by)) {
			parts = append(parts, fmt.Sprintf("%s (policies: %s)", strings.Join(by[key], " "), orNone(key)))
		}
		errs = append(errs, fmt.Sprintf("%s is the address of %s", sh.Addr, strings.Join(parts, " and ")))
	}
	if len(errs) > 0 {
		return fmt.Errorf("names of different policies share an address, so Cilium would give them one identity: %s", strings.Join(errs, "; "))
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
