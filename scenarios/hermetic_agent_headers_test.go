//go:build linux

package scenarios

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"testing"

	cilium "github.com/cilium/proxy/go/cilium/api"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/e2e-framework/pkg/features"

	"github.com/cilium-tls-intercept/sandbox/sandbox/envoystandin"
	"github.com/cilium-tls-intercept/sandbox/sandbox/scenario"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/agent"
)

// githubAddr stands in for an address the DNS proxy learned for
// api.github.com (TEST-NET-1): the stand-in's IP cache maps it to the
// identity of the github group's selector.
var githubAddr = netip.MustParseAddrPort("192.0.2.10:443")

func (a *agentTier) featureCredentialInjection() features.Feature {
	return agentFeature("credential injection: the header's value reaches Envoy over SDS, never the workload", scenario.CredentialInjection).
		Assess("NPDS names the operator's copy (valueSdsSecret), SDS serves it as a generic secret, the Envoy stand-in sets it; a rotation changes SDS, not NPDS", timed(func(ctx context.Context, t *testing.T) {
			src := a.h.headerSecret()
			sdsName := a.waitHeaderCopy(ctx, t, src)
			in, before := a.workloadView(ctx, t)
			matches := headerMatches(before.NPDS, 443, headerName)
			if len(matches) == 0 {
				t.Fatalf("NPDS has no header match for %s on 443:\n%s", headerName, npdsExcerpt(t, before.NPDS, 443))
			}
			for _, m := range matches {
				if m.GetValueSdsSecret() != sdsName || m.GetValue() != "" || m.GetMismatchAction() != cilium.HeaderMatch_REPLACE_ON_MISMATCH {
					t.Errorf("NPDS header match %v, want valueSdsSecret %s, no inline value, REPLACE_ON_MISMATCH", m, sdsName)
				}
			}
			t.Logf("NPDS header match (%d rule(s)): %s", len(matches), protojson.Format(matches[0]))
			a.assertGenericSDS(ctx, t, sdsName, suite.tokens.current())
			a.assertStandInSets(t, in, before, suite.tokens.current())

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
			a.assertGenericSDS(ctx, t, sdsName, token)
			_, after := a.workloadView(ctx, t)
			if !proto.Equal(before.NPDS, after.NPDS) {
				t.Errorf("NPDS changed with the rotation:\nbefore %v\nafter  %v", before.NPDS, after.NPDS)
			} else {
				t.Logf("rotated %s: NPDS unchanged (it names %s, not the value)", src, sdsName)
			}
			a.assertStandInSets(t, in, after, token)
		})).
		Assess("inline mode (secret sync off): the agent copies the value into NPDS itself", timed(func(ctx context.Context, t *testing.T) {
			in, _ := a.workloadView(ctx, t)
			v, err := a.inline(ctx, t).agent.ComputeView(in.viewInput())
			if err != nil {
				t.Fatal(err)
			}
			want := suite.tokens.current()
			matches := headerMatches(v.NPDS, 443, headerName)
			if len(matches) == 0 {
				t.Fatalf("inline NPDS has no header match for %s", headerName)
			}
			for _, m := range matches {
				if m.GetValueSdsSecret() != "" || m.GetValue() != want {
					t.Errorf("inline NPDS header match: valueSdsSecret %q, inline value with digest %s; want none and the Secret's (digest %s)",
						m.GetValueSdsSecret(), short(digest(m.GetValue())), short(digest(want)))
				}
			}
			t.Logf("inline NPDS carries the Secret's value itself (digest %s) in %d rule(s): a rotation reaches Envoy only with the next NPDS, after a policy recompute (cilium/cilium#35513)",
				short(digest(want)), len(matches))
		})).Feature()
}

// waitHeaderCopy waits for the operator's current copy of src and returns
// the SDS name NPDS gives it.
func (a *agentTier) waitHeaderCopy(ctx context.Context, t *testing.T, src types.NamespacedName) string {
	t.Helper()
	copies, err := a.h.waitOperatorCopies(ctx, a.secretsNS, []types.NamespacedName{src})
	if err != nil {
		t.Fatal(err)
	}
	return a.secretsNS + "/" + copies[src].Name
}

// assertGenericSDS waits until the agent serves SDS secret name as a
// generic secret holding want, and logs its type and size.
func (a *agentTier) assertGenericSDS(ctx context.Context, t *testing.T, name, want string) {
	t.Helper()
	sec, err := a.c.Agent.SDS.Wait(ctx, name, rotationServeTimeout, func(sec *tlsv3.Secret) error {
		g := sec.GetGenericSecret()
		if g == nil {
			return fmt.Errorf("SDS %s is %T, not a generic secret", name, sec.GetType())
		}
		if got := string(g.GetSecret().GetInlineBytes()); got != want {
			return fmt.Errorf("SDS %s holds a value with digest %s, want %s", name, short(digest(got)), short(digest(want)))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("SDS %s: generic_secret, %d bytes, digest %s (the Secret's)", name, len(sec.GetGenericSecret().GetSecret().GetInlineBytes()), short(digest(want)))
}

// assertStandInSets runs the Envoy stand-in (sandbox/envoystandin) on
// decrypted requests to api.github.com with v's NPDS and the agent's SDS
// secrets: GET /headers without the header and with a forged one leaves
// with want; GET /meta, which the header does not apply to, without it.
func (a *agentTier) assertStandInSets(t *testing.T, in *workloadInputs, v *agent.View, want string) {
	t.Helper()
	ids, err := agent.IdentitiesOf(in.fqdn, githubHost)
	if err != nil || len(ids) == 0 {
		t.Fatalf("no stand-in identity selects %s: %v", githubHost, err)
	}
	secrets := envoystandin.Secrets{}
	for _, n := range a.c.Agent.SDS.Names() {
		secrets[n], _ = a.c.Agent.SDS.Get(n)
	}
	ipc := envoystandin.IPCache{}
	ipc.Add(githubAddr.Addr(), uint32(ids[0]))
	s := &envoystandin.StandIn{NPDS: v.NPDS, Secrets: secrets, IPCache: ipc}
	d, err := s.Decide(envoystandin.Connection{Remote: githubAddr, SNI: githubHost})
	if err != nil || !d.Allowed() || d.Server == nil {
		t.Fatalf("the Envoy stand-in does not terminate %s at %s: %v (decision %+v)", githubHost, githubAddr, err, d)
	}
	for _, c := range []struct {
		path   string
		header http.Header
		want   string
	}{
		{headersPath, http.Header{}, want},
		{headersPath, http.Header{headerName: {"Bearer forged-by-the-workload"}}, want},
		{githubPath, http.Header{}, ""},
	} {
		q := &envoystandin.Request{Method: "GET", Path: c.path, Authority: githubHost, Header: c.header}
		forged := len(c.header) > 0
		rv := s.Authorize(d, q)
		got := q.Header.Values(headerName)
		switch {
		case !rv.Allowed:
			t.Errorf("stand-in: GET %s (forged header %v) denied with %d", c.path, forged, rv.Status)
		case c.want == "" && len(got) > 0:
			t.Errorf("stand-in: GET %s leaves with %s set (digests %v), which the values set on %s only", c.path, headerName, digests(got), headersPath)
		case c.want != "" && (len(got) != 1 || got[0] != c.want):
			t.Errorf("stand-in: GET %s (forged header %v) leaves with %s digests %v, want %s", c.path, forged, headerName, digests(got), short(digest(c.want)))
		default:
			t.Logf("Envoy stand-in: GET https://%s%s (forged header %v) leaves with %s digests %v; actions %+v", githubHost, c.path, forged, headerName, digests(got), rv.Actions)
		}
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

// digests are the short digests of values, for logs.
func digests(values []string) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = short(digest(v))
	}
	return out
}
