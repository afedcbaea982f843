package scenarios

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	cilium "github.com/cilium/proxy/go/cilium/api"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/e2e-framework/pkg/features"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun/wire"
	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
	"github.com/cilium-tls-intercept/sandbox/sandbox/resources"
	"github.com/cilium-tls-intercept/sandbox/sandbox/scenario"
)

func (a *agentTier) featureHeaderSecret() features.Feature {
	return agentFeature("credential injection: how the header's value reaches Envoy", scenario.CredentialInjection).
		Assess("under sync: NPDS names the operator's copy (valueSdsSecret), SDS serves it as a generic secret; a rotation changes SDS, not NPDS", timed(func(ctx context.Context, t *testing.T) {
			a.requireSync(t)
			src := a.h.headerSecret()
			sdsName := a.waitHeaderCopy(ctx, t, src)
			before := a.viewUntil(ctx, t, a.c, intercept.WorkloadNamespace, a.headerBySDS(t, sdsName, suite.tokens.current()))
			token, err := suite.tokens.next()
			if err != nil {
				t.Fatal(err)
			}
			if err := putHeaderSecret(ctx, a.h.kube, src.Namespace, token); err != nil {
				t.Fatal(err)
			}
			if got := a.waitHeaderCopy(ctx, t, src); got != sdsName {
				t.Errorf("the copy's SDS name changed with the rotation: %s -> %s", sdsName, got)
			}
			after := a.viewUntil(ctx, t, a.c, intercept.WorkloadNamespace, a.headerBySDS(t, sdsName, token))
			if !proto.Equal(npdsOf(t, before), npdsOf(t, after)) {
				t.Errorf("NPDS changed with the rotation:\n%s\n%s", npdsExcerpt(t, npdsOf(t, before), 443), npdsExcerpt(t, npdsOf(t, after), 443))
			} else {
				t.Logf("rotated %s: NPDS unchanged (it names %s, not the value); SDS serves the new value", src, sdsName)
			}
		})).
		Assess("inline (no sync): NPDS carries the value itself, and a rotation reaches it only with a policy recompute (K7)", timed(func(ctx context.Context, t *testing.T) {
			c, ns := a.inlineAgent(ctx, t)
			want := suite.tokens.current()
			a.viewUntil(ctx, t, c, ns, headerInline(t, want))
			token, err := suite.tokens.next()
			if err != nil {
				t.Fatal(err)
			}
			src := a.inlineHeaderSecret(ns)
			if err := putHeaderSecret(ctx, a.h.kube, src.Namespace, token); err != nil {
				t.Fatal(err)
			}
			stale := a.view(ctx, t, c, ns)
			if err := headerInline(t, want)(stale); err != nil {
				t.Errorf("after the rotation, with no policy change, NPDS should still carry the old value (K7): %v", err)
			} else {
				t.Logf("rotated %s: NPDS still carries the old value (digest %s): no policy changed, so the agent did not read the Secret again", src, short(digest(want)))
			}
			a.touchPolicy(ctx, t, ns, intercept.PolicyName(githubGroup))
			a.viewUntil(ctx, t, c, ns, headerInline(t, token))
			t.Logf("after a change of %s/%s the agent recomputed the policy and NPDS carries the new value (digest %s)", ns, intercept.PolicyName(githubGroup), short(digest(token)))
		})).Feature()
}

// headerBySDS accepts a view whose NPDS matches headerName on 443 with
// the SDS secret sdsName, REPLACE_ON_MISMATCH and no inline value, and
// whose SDS serves that secret as a generic secret holding want.
func (a *agentTier) headerBySDS(t *testing.T, sdsName, want string) func(*wire.ClusterView) error {
	return func(cv *wire.ClusterView) error {
		matches := headerMatches(npdsOf(t, cv), 443, headerName)
		if len(matches) == 0 {
			return fmt.Errorf("NPDS has no header match for %s on 443", headerName)
		}
		for _, m := range matches {
			if m.GetValueSdsSecret() != sdsName || m.GetValue() != "" || m.GetMismatchAction() != cilium.HeaderMatch_REPLACE_ON_MISMATCH {
				return fmt.Errorf("NPDS header match names %q (inline value %v, action %s), want valueSdsSecret %s, no inline value, REPLACE_ON_MISMATCH",
					m.GetValueSdsSecret(), m.GetValue() != "", m.GetMismatchAction(), sdsName)
			}
		}
		sec := sdsSecret(t, cv, sdsName)
		if sec.GetGenericSecret() == nil {
			return fmt.Errorf("the agent serves no generic SDS secret %s", sdsName)
		}
		if got := string(sec.GetGenericSecret().GetSecret().GetInlineBytes()); got != want {
			return fmt.Errorf("SDS %s holds a value with digest %s, want %s", sdsName, short(digest(got)), short(digest(want)))
		}
		t.Logf("NPDS header match (%d rule(s)): %s; SDS %s: %s, digest %s (the Secret's)", len(matches),
			protojson.Format(matches[0]), sdsName, describeSDS(sec), short(digest(want)))
		return nil
	}
}

// headerInline accepts a view whose NPDS sets headerName on 443 to want
// inline, with no SDS secret.
func headerInline(t *testing.T, want string) func(*wire.ClusterView) error {
	return func(cv *wire.ClusterView) error {
		if cv.View.PolicyError != "" {
			return fmt.Errorf("the agent could not compute the policy: %s", cv.View.PolicyError)
		}
		matches := headerMatches(npdsOf(t, cv), 443, headerName)
		if len(matches) == 0 {
			return fmt.Errorf("NPDS has no header match for %s on 443", headerName)
		}
		for _, m := range matches {
			if m.GetValueSdsSecret() != "" || m.GetValue() != want {
				return fmt.Errorf("NPDS header match: valueSdsSecret %q, inline value with digest %s; want none and the Secret's (digest %s)",
					m.GetValueSdsSecret(), short(digest(m.GetValue())), short(digest(want)))
			}
		}
		return nil
	}
}

// waitHeaderCopy waits for the operator's current copy of src and returns
// the SDS name NPDS gives it.
func (a *agentTier) waitHeaderCopy(ctx context.Context, t *testing.T, src types.NamespacedName) string {
	t.Helper()
	copies, err := a.h.waitOperatorCopies(ctx, a.secretsNS(), []types.NamespacedName{src})
	if err != nil {
		t.Fatal(err)
	}
	return a.secretsNS() + "/" + copies[src].Name
}

// touchPolicy changes the policy name in ns (an annotation), as any edit
// of a policy would: the agent imports it again and recomputes the
// endpoint's policy.
func (a *agentTier) touchPolicy(ctx context.Context, t *testing.T, ns, name string) {
	t.Helper()
	cnps := a.h.dyn.Resource(resources.CiliumNetworkPolicies()).Namespace(ns)
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		p, err := cnps.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		ann := p.GetAnnotations()
		if ann == nil {
			ann = map[string]string{}
		}
		ann["cilium-tls-intercept/touched"] = fmt.Sprint(p.GetGeneration())
		p.SetAnnotations(ann)
		_, err = cnps.Update(ctx, p, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		t.Fatalf("touch policy %s/%s: %v", ns, name, err)
	}
}

// headerMatches returns the header matches for name in the egress HTTP
// rules of port.
func headerMatches(np *cilium.NetworkPolicy, port uint32, name string) []*cilium.HeaderMatch {
	var out []*cilium.HeaderMatch
	for _, pp := range np.GetEgressPerPortPolicies() {
		if pp.GetPort() != port {
			continue
		}
		for _, r := range pp.GetRules() {
			for _, h := range r.GetHttpRules().GetHttpRules() {
				for _, m := range h.GetHeaderMatches() {
					if http.CanonicalHeaderKey(m.GetName()) == http.CanonicalHeaderKey(name) {
						out = append(out, m)
					}
				}
			}
		}
	}
	return out
}

// redactInline returns np with its inline secret values replaced: private
// keys, and header values by their digests, for logs.
func redactInline(np *cilium.NetworkPolicy) *cilium.NetworkPolicy {
	np = proto.Clone(np).(*cilium.NetworkPolicy)
	for _, pp := range np.GetEgressPerPortPolicies() {
		for _, r := range pp.GetRules() {
			for _, c := range []*cilium.TLSContext{r.GetDownstreamTlsContext(), r.GetUpstreamTlsContext()} {
				if c.GetPrivateKey() != "" {
					c.PrivateKey = "<redacted>"
				}
			}
			for _, h := range r.GetHttpRules().GetHttpRules() {
				for _, m := range h.GetHeaderMatches() {
					if m.GetValue() != "" {
						m.Value = "<" + short(digest(m.GetValue())) + ">"
					}
				}
			}
		}
	}
	return np
}
