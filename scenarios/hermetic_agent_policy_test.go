//go:build linux

package scenarios

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/e2e-framework/pkg/features"

	"github.com/cilium/cilium/pkg/identity"
	"github.com/cilium/cilium/pkg/policy"
	"github.com/cilium/cilium/pkg/u8proto"

	"github.com/cilium-tls-intercept/sandbox/sandbox/doctor"
	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/agent"
)

func (a *agentTier) featureOperatorCopies() features.Feature {
	return agentFeature("Cilium's operator copies the policy secrets into its secrets namespace", "intercept").
		Assess("every secret the workload's policies name has a current copy under Cilium's name and labels", timed(func(ctx context.Context, t *testing.T) {
			for src, c := range a.workloadCopies(ctx, t) {
				t.Logf("operator copy of %s: %s/%s (labels %s)", src, c.Namespace, c.Name, ownerLabels(c.Labels))
			}
		})).
		Assess("the doctor's secret-synced check passes on them", timed(func(ctx context.Context, t *testing.T) {
			copies := a.workloadCopies(ctx, t)
			rep := a.h.runDoctor(ctx, t, doctor.Options{})
			f := rep.Finding("secret-synced")
			if f == nil || f.Status != doctor.StatusPass {
				t.Fatalf("doctor secret-synced = %v, want pass: Cilium's operator wrote the copies", f)
			}
			ev := strings.Join(f.Evidence, "\n")
			for src, c := range copies {
				if !strings.Contains(ev, c.Name) {
					t.Errorf("doctor secret-synced names no copy %s of %s:\n%s", c.Name, src, ev)
				}
			}
			t.Logf("doctor secret-synced: %s", f.Reason)
		})).Feature()
}

// workloadCopies waits for the operator's copies of the workload policies' secrets.
func (a *agentTier) workloadCopies(ctx context.Context, t *testing.T) map[types.NamespacedName]*corev1.Secret {
	t.Helper()
	srcs, err := a.h.policySecrets(ctx, intercept.WorkloadNamespace)
	if err != nil {
		t.Fatal(err)
	}
	if len(srcs) == 0 {
		t.Fatalf("the policies in %s name no secret", intercept.WorkloadNamespace)
	}
	copies, err := a.h.waitOperatorCopies(ctx, a.secretsNS, srcs)
	if err != nil {
		t.Fatal(err)
	}
	return copies
}

func (a *agentTier) featureWorkloadPolicy() features.Feature {
	return agentFeature("the agent's policy for the workload", "intercept").
		Assess("the chart's policies merge for the workload without error", timed(func(ctx context.Context, t *testing.T) {
			in, v := a.workloadView(ctx, t)
			t.Logf("workload identity %d %v: %d policies, repository revision %d", in.endpoint.ID, in.endpoint.LabelArray, len(in.policies), v.Revision)
		})).
		Assess("each group's 443/TCP filter: parser http, the group's leaf terminating, the upstream trust originating", timed(func(ctx context.Context, t *testing.T) {
			in, v := a.workloadView(ctx, t)
			for _, g := range slices.Sorted(maps.Keys(groupHosts)) {
				a.assertGroupFilter(t, in, v, g)
			}
		})).
		Assess("pass-through names get 443/TCP without the L7 proxy", timed(func(ctx context.Context, t *testing.T) {
			in, v := a.workloadView(ctx, t)
			ids, err := agent.IdentitiesOf(in.fqdn, passThroughHost)
			if err != nil || len(ids) == 0 {
				t.Fatalf("no stand-in identity selects %s (%v)", passThroughHost, err)
			}
			for _, id := range ids {
				sps := filtersFor(v, 443, u8proto.TCP, id)
				if len(sps) == 0 {
					t.Errorf("%s (identity %d): no 443/TCP filter", passThroughHost, id)
				}
				for _, sp := range sps {
					t.Logf("pass-through %s: %s", passThroughHost, sp)
					if !sp.psp.IsAllowAll() {
						t.Errorf("%s (identity %d) reaches 443 through the L7 proxy: %s", passThroughHost, id, sp)
					}
				}
			}
		})).
		Assess("policy map: DNS only to kube-dns through the DNS proxy, 443 only to the FQDN identities through Envoy", timed(func(ctx context.Context, t *testing.T) {
			in, v := a.workloadView(ctx, t)
			a.assertPolicyMap(t, in, v)
		})).Feature()
}

// assertGroupFilter checks group g's filters on 443/TCP and logs them.
func (a *agentTier) assertGroupFilter(t *testing.T, in *workloadInputs, v *agent.View, g string) {
	t.Helper()
	term := types.NamespacedName{Namespace: a.h.tlsNS, Name: intercept.SecretName(g)}
	orig := types.NamespacedName{Namespace: a.h.tlsNS, Name: intercept.UpstreamTrustSecret}
	idents := in.fqdnIdentities(intercept.PolicyName(g))
	if len(idents) == 0 {
		t.Fatalf("group %s: policy %s has no toFQDNs selector", g, intercept.PolicyName(g))
	}
	for _, f := range idents {
		sps := filtersFor(v, 443, u8proto.TCP, f.Identity.ID)
		if len(sps) == 0 {
			t.Errorf("group %s: %s (identity %d) has no 443/TCP filter", g, f.Selector.String(), f.Identity.ID)
		}
		for _, sp := range sps {
			t.Logf("group %s: %s", g, sp)
			p := sp.psp
			switch {
			case p == nil || p.L7Parser != policy.ParserTypeHTTP:
				t.Errorf("group %s: %s: parser is not http", g, sp)
			case p.TerminatingTLS == nil || p.TerminatingTLS.Secret != term:
				t.Errorf("group %s: %s: terminating secret is not %s", g, sp, term)
			case p.OriginatingTLS == nil || p.OriginatingTLS.Secret != orig:
				t.Errorf("group %s: %s: originating secret is not %s", g, sp, orig)
			}
		}
	}
}

// selectorFilter is one selector's policy in an L4 filter.
type selectorFilter struct {
	port     uint16
	proto    string
	selector string
	ids      []identity.NumericIdentity
	psp      *policy.PerSelectorPolicy
}

func (s selectorFilter) String() string {
	desc := fmt.Sprintf("%d/%s selector {%s} identities %v", s.port, s.proto, s.selector, s.ids)
	p := s.psp
	if p == nil {
		return desc + ": L3/L4 only, no L7 proxy"
	}
	desc += fmt.Sprintf(": parser %q", p.L7Parser)
	if p.TerminatingTLS != nil {
		desc += ", terminatingTLS " + p.TerminatingTLS.Secret.String()
	}
	if p.OriginatingTLS != nil {
		desc += ", originatingTLS " + p.OriginatingTLS.Secret.String()
	}
	return desc + fmt.Sprintf(", %d HTTP rule(s)", len(p.HTTP))
}

// filtersFor returns the egress filters on port/proto whose selector
// selects identity id.
func filtersFor(v *agent.View, port uint16, proto u8proto.U8proto, id identity.NumericIdentity) []selectorFilter {
	var out []selectorFilter
	snap := v.Policy.GetPolicySelectors()
	for l4 := range v.Policy.SelectorPolicy.L4Policy.Egress.PortRules.Filters() {
		if l4.Port != port || l4.U8Proto != proto {
			continue
		}
		for sel, psp := range l4.PerSelectorPolicies {
			ids := slices.Clone(sel.GetSelectionsAt(snap))
			if !slices.Contains(ids, id) {
				continue
			}
			sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
			out = append(out, selectorFilter{port: port, proto: string(l4.Protocol), selector: sel.String(), ids: ids, psp: psp})
		}
	}
	return out
}
