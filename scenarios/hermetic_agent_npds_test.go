package scenarios

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	cilium "github.com/cilium/proxy/go/cilium/api"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	"google.golang.org/protobuf/encoding/protojson"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/e2e-framework/pkg/features"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun/wire"
	"github.com/cilium-tls-intercept/sandbox/sandbox/doctor"
	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
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

// requireSync skips t unless the release's agent gets policy secrets over
// SDS from the operator's copies.
func (a *agentTier) requireSync(t *testing.T) {
	t.Helper()
	if !a.config.SDS() {
		t.Skipf("needs secret sync: Cilium %s's cilium-config (%s) has the agent put policy secrets into NPDS itself (K6)",
			a.c.Release(), a.config.Evidence(a.c.Config))
	}
}

// workloadCopies waits for the operator's copies of the workload policies' secrets.
func (a *agentTier) workloadCopies(ctx context.Context, t *testing.T) map[types.NamespacedName]*corev1.Secret {
	t.Helper()
	a.requireSync(t)
	srcs, err := a.h.policySecrets(ctx, intercept.WorkloadNamespace)
	if err != nil {
		t.Fatal(err)
	}
	if len(srcs) == 0 {
		t.Fatalf("the policies in %s name no secret", intercept.WorkloadNamespace)
	}
	copies, err := a.h.waitOperatorCopies(ctx, a.secretsNS(), srcs)
	if err != nil {
		t.Fatal(err)
	}
	return copies
}

func (a *agentTier) featureNPDS() features.Feature {
	return agentFeature("what the agent gives Envoy: NPDS and SDS", "intercept").
		Assess("NPDS names exactly the operator's copies, and carries no secret inline", timed(func(ctx context.Context, t *testing.T) {
			copies := a.workloadCopies(ctx, t)
			var want []string
			for _, c := range copies {
				want = append(want, c.Namespace+"/"+c.Name)
			}
			slices.Sort(want)
			cv := a.viewUntil(ctx, t, a.c, intercept.WorkloadNamespace, func(cv *wire.ClusterView) error {
				if got := sdsNames(npdsOf(t, cv)); !slices.Equal(got, want) {
					return fmt.Errorf("NPDS names SDS secrets %v, the operator's copies are %v", got, want)
				}
				return nil
			})
			np := npdsOf(t, cv)
			if inline := inlineSecrets(np); len(inline) > 0 {
				t.Errorf("NPDS carries secrets inline under SDS: %v", inline)
			}
			t.Logf("NPDS excerpt (egress 443/TCP):\n%s", npdsExcerpt(t, np, 443))
		})).
		Assess("SDS: each leaf as a TLS certificate (chain and key), the upstream trust as a validation context", timed(func(ctx context.Context, t *testing.T) {
			for src, c := range a.workloadCopies(ctx, t) {
				a.assertSDSSecret(ctx, t, src, c)
			}
		})).Feature()
}

// viewUntil asks c for the workload's view in ns until ok accepts it (the
// operator's copies and the agent's SDS settle in seconds), and fails t
// with ok's last complaint after operatorCopyTimeout.
func (a *agentTier) viewUntil(ctx context.Context, t *testing.T, c *ciliumCluster, ns string, ok func(*wire.ClusterView) error) *wire.ClusterView {
	t.Helper()
	var cv *wire.ClusterView
	var last error
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, operatorCopyTimeout, true, func(context.Context) (bool, error) {
		cv = a.view(ctx, t, c, ns)
		last = ok(cv)
		return last == nil, nil
	})
	if err != nil {
		t.Fatalf("the agent's view of the workload in %s after %s: %v", ns, operatorCopyTimeout, last)
	}
	return cv
}

// npdsOf decodes the view's NPDS resource.
func npdsOf(t *testing.T, cv *wire.ClusterView) *cilium.NetworkPolicy {
	t.Helper()
	np := &cilium.NetworkPolicy{}
	if len(cv.View.NPDS) == 0 {
		return np
	}
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(cv.View.NPDS, np); err != nil {
		t.Fatalf("NPDS of %s: %v", cv.View.Workload.Name, err)
	}
	return np
}

// sdsSecret returns the view's SDS secret name, decoded; nil when the
// agent does not serve it.
func sdsSecret(t *testing.T, cv *wire.ClusterView, name string) *tlsv3.Secret {
	t.Helper()
	for _, s := range cv.View.SDS {
		if s.Name != name || len(s.Secret) == 0 {
			continue
		}
		sec := &tlsv3.Secret{}
		if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(s.Secret, sec); err != nil {
			t.Fatalf("SDS secret %s: %v", name, err)
		}
		return sec
	}
	return nil
}

// assertSDSSecret checks the SDS secret the agent serves for the copy c of
// src: a TLS certificate with its tls.crt and tls.key for a leaf, a
// validation context with its ca.crt for the upstream trust (which holds no
// tls.* keys).
func (a *agentTier) assertSDSSecret(ctx context.Context, t *testing.T, src types.NamespacedName, c *corev1.Secret) {
	t.Helper()
	name := c.Namespace + "/" + c.Name
	cv := a.viewUntil(ctx, t, a.c, intercept.WorkloadNamespace, func(cv *wire.ClusterView) error {
		if sdsSecret(t, cv, name) == nil {
			return fmt.Errorf("the agent serves no SDS secret %s", name)
		}
		return nil
	})
	sec := sdsSecret(t, cv, name)
	upstreamTrust := src.Name == intercept.UpstreamTrustSecret
	switch tc, vc := sec.GetTlsCertificate(), sec.GetValidationContext(); {
	case upstreamTrust && vc == nil:
		t.Errorf("SDS %s (upstream trust %s): not a validation context: %s", name, src, describeSDS(sec))
	case upstreamTrust && string(vc.GetTrustedCa().GetInlineBytes()) != string(c.Data["ca.crt"]):
		t.Errorf("SDS %s: trusted CA is not %s's ca.crt", name, src)
	case upstreamTrust && (len(c.Data["tls.crt"]) > 0 || len(c.Data["tls.key"]) > 0):
		t.Errorf("upstream trust %s holds tls.* keys (%v): the agent would serve it as a TLS certificate", src, keysOf(c.Data))
	case !upstreamTrust && tc == nil:
		t.Errorf("SDS %s (leaf %s): not a TLS certificate: %s", name, src, describeSDS(sec))
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
	if g := sec.GetGenericSecret(); g != nil {
		return fmt.Sprintf("generic_secret: %d bytes", len(g.GetSecret().GetInlineBytes()))
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

// npdsExcerpt renders the NPDS resource's egress policy on port as JSON,
// private keys and header values left out.
func npdsExcerpt(t *testing.T, np *cilium.NetworkPolicy, port uint32) string {
	t.Helper()
	ex := &cilium.NetworkPolicy{EndpointIps: np.GetEndpointIps(), EndpointId: np.GetEndpointId()}
	for _, pp := range np.GetEgressPerPortPolicies() {
		if pp.GetPort() == port {
			ex.EgressPerPortPolicies = append(ex.EgressPerPortPolicies, pp)
		}
	}
	b, err := protojson.MarshalOptions{Multiline: true, Indent: "  "}.Marshal(redactInline(ex))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
