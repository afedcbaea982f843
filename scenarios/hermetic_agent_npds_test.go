//go:build linux

package scenarios

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"

	cilium "github.com/cilium/proxy/go/cilium/api"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	"google.golang.org/protobuf/encoding/protojson"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/e2e-framework/pkg/features"

	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
)

func (a *agentTier) featureNPDS() features.Feature {
	return agentFeature("what the agent gives Envoy: NPDS and SDS", "intercept").
		Assess("NPDS passes Validate() and names exactly the operator's copies", timed(func(ctx context.Context, t *testing.T) {
			_, v := a.workloadView(ctx, t) // ComputeView has run NetworkPolicy.Validate
			copies := a.workloadCopies(ctx, t)
			var want []string
			for _, c := range copies {
				want = append(want, c.Namespace+"/"+c.Name)
			}
			slices.Sort(want)
			got := sdsNames(v.NPDS)
			if !slices.Equal(got, want) {
				t.Errorf("NPDS names SDS secrets %v, the operator's copies are %v", got, want)
			}
			if inline := inlineSecrets(v.NPDS); len(inline) > 0 {
				t.Errorf("NPDS carries secrets inline under SDS: %v", inline)
			}
			t.Logf("NPDS excerpt (egress 443/TCP):\n%s", npdsExcerpt(t, v.NPDS, 443))
		})).
		Assess("SDS: each leaf as a TLS certificate (chain and key), the upstream trust as a validation context", timed(func(ctx context.Context, t *testing.T) {
			for src, c := range a.workloadCopies(ctx, t) {
				a.assertSDSSecret(ctx, t, src, c)
			}
		})).Feature()
}

// assertSDSSecret checks the SDS secret the agent serves for the copy c of
// src: a TLS certificate with its tls.crt and tls.key for a leaf, a
// validation context with its ca.crt for the upstream trust (which holds no
// tls.* keys).
func (a *agentTier) assertSDSSecret(ctx context.Context, t *testing.T, src types.NamespacedName, c *corev1.Secret) {
	t.Helper()
	name := c.Namespace + "/" + c.Name
	sec, err := a.c.Agent.SDS.Wait(ctx, name, operatorCopyTimeout, nil)
	if err != nil {
		t.Error(err)
		return
	}
	upstreamTrust := src.Name == intercept.UpstreamTrustSecret
	switch tc, vc := sec.GetTlsCertificate(), sec.GetValidationContext(); {
	case upstreamTrust && vc == nil:
		t.Errorf("SDS %s (upstream trust %s): not a validation context: %v", name, src, sec)
	case upstreamTrust && string(vc.GetTrustedCa().GetInlineBytes()) != string(c.Data["ca.crt"]):
		t.Errorf("SDS %s: trusted CA is not %s's ca.crt", name, src)
	case upstreamTrust && (len(c.Data["tls.crt"]) > 0 || len(c.Data["tls.key"]) > 0):
		t.Errorf("upstream trust %s holds tls.* keys (%v): the agent would serve it as a TLS certificate", src, keysOf(c.Data))
	case !upstreamTrust && tc == nil:
		t.Errorf("SDS %s (leaf %s): not a TLS certificate: %v", name, src, sec)
	case !upstreamTrust && (string(tc.GetCertificateChain().GetInlineBytes()) != string(c.Data["tls.crt"]) ||
		string(tc.GetPrivateKey().GetInlineBytes()) != string(c.Data["tls.key"])):
		t.Errorf("SDS %s: chain or key is not %s's tls.crt/tls.key", name, src)
	default:
		t.Logf("SDS %s (copy of %s): %s", name, src, describeSDS(sec))
	}
}

// describeSDS says what kind of SDS secret sec is and its sizes.
func describeSDS(sec *tlsv3.Secret) string {
	if tc := sec.GetTlsCertificate(); tc != nil {
		return fmt.Sprintf("tls_certificate: chain %d bytes, private key %d bytes",
			len(tc.GetCertificateChain().GetInlineBytes()), len(tc.GetPrivateKey().GetInlineBytes()))
	}
	if vc := sec.GetValidationContext(); vc != nil {
		return fmt.Sprintf("validation_context: trusted CA %d bytes", len(vc.GetTrustedCa().GetInlineBytes()))
	}
	return fmt.Sprintf("%T", sec.GetType())
}

// sdsNames returns the SDS secrets the NPDS resource's egress rules name, sorted.
func sdsNames(np *cilium.NetworkPolicy) []string {
	names := map[string]bool{}
	for _, pp := range np.GetEgressPerPortPolicies() {
		for _, r := range pp.GetRules() {
			for _, n := range []string{r.GetDownstreamTlsContext().GetTlsSdsSecret(), r.GetUpstreamTlsContext().GetValidationContextSdsSecret()} {
				if n != "" {
					names[n] = true
				}
			}
		}
	}
	return slices.Sorted(maps.Keys(names))
}

// inlineSecrets lists the rules that carry certificates or keys inline.
func inlineSecrets(np *cilium.NetworkPolicy) []string {
	var out []string
	for _, pp := range np.GetEgressPerPortPolicies() {
		for _, r := range pp.GetRules() {
			for _, c := range []*cilium.TLSContext{r.GetDownstreamTlsContext(), r.GetUpstreamTlsContext()} {
				if c.GetCertificateChain() != "" || c.GetPrivateKey() != "" || c.GetTrustedCa() != "" {
					out = append(out, fmt.Sprintf("port %d rule for %v", pp.GetPort(), r.GetRemotePolicies()))
				}
			}
		}
	}
	return out
}

// npdsExcerpt renders the NPDS resource's egress policy on port as JSON.
func npdsExcerpt(t *testing.T, np *cilium.NetworkPolicy, port uint32) string {
	t.Helper()
	ex := &cilium.NetworkPolicy{EndpointIps: np.GetEndpointIps(), EndpointId: np.GetEndpointId()}
	for _, pp := range np.GetEgressPerPortPolicies() {
		if pp.GetPort() == port {
			ex.EgressPerPortPolicies = append(ex.EgressPerPortPolicies, pp)
		}
	}
	b, err := protojson.MarshalOptions{Multiline: true, Indent: "  "}.Marshal(ex)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
