package scenarios

import (
	"context"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/e2e-framework/pkg/features"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun/wire"
	"github.com/cilium-tls-intercept/sandbox/sandbox/doctor"
	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
)

func (a *agentTier) featureInlineMissingTrust() features.Feature {
	return agentFeature("failure: inline mode with the upstream trust secret missing", "negative-control").
		Assess("the agent fails the endpoint's whole policy, and the doctor names the same secret", timed(func(ctx context.Context, t *testing.T) {
			const ns, control = "agent-inline-missing-trust", "agent-inline-dns-only"
			missing := types.NamespacedName{Namespace: ns, Name: intercept.UpstreamTrustSecret}
			s := a.newScratch(ctx, t, ns)
			s.policy(ctx, intercept.PolicyName(githubGroup), types.NamespacedName{}, missing)
			a.newScratch(ctx, t, control)
			c, _ := a.inlineAgent(ctx, t)
			// Kubernetes' NotFound error names the secret without its namespace.
			policyErrorMentions(t, a.view(ctx, t, c, ns), `secrets "`+missing.Name+`" not found`)
			// The DNS policy alone computes: it is the TLS policy's
			// missing secret that takes the whole endpoint's policy down.
			dnsOnly := a.view(ctx, t, c, control)
			if dnsOnly.View.PolicyError != "" {
				t.Fatalf("control: %s alone: %s", intercept.DNSPolicyName, dnsOnly.View.PolicyError)
			}
			t.Logf("control: %s alone computes (%d egress entries); with %s the endpoint gets no policy at all, DNS included",
				intercept.DNSPolicyName, len(egressEntries(dnsOnly)), intercept.PolicyName(githubGroup))
			st := c.inline.doctorState(a.h.doctorState(ctx, t, doctor.Scope{WorkloadNamespace: ns}))
			rep := evaluateDoctor(t, st, doctor.Options{Scope: doctor.Scope{WorkloadNamespace: ns}})
			wantDoctorFails(t, rep, "secret-keys", missing.String())
		})).Feature()
}

func (a *agentTier) featureMissingKey() features.Feature {
	return agentFeature("failure: a terminating secret without tls.key", "negative-control").
		Assess("SDS serves a certificate without a key, which the Envoy stand-in cannot use; inline mode fails the policy; the doctor names the secret", timed(func(ctx context.Context, t *testing.T) {
			const ns = "agent-missing-key"
			noKey := types.NamespacedName{Namespace: ns, Name: "agent-github-no-key"}
			s := a.newScratch(ctx, t, ns)
			s.leaf(ctx, noKey, "tls.crt", "ca.crt")
			s.policy(ctx, intercept.PolicyName(githubGroup), noKey, types.NamespacedName{})
			if a.config.SDS() {
				a.missingKeyOverSDS(ctx, t, ns, noKey)
			}
			c, _ := a.inlineAgent(ctx, t)
			policyErrorMentions(t, a.view(ctx, t, c, ns), "missing certs")
			rep := a.h.runDoctor(ctx, t, doctor.Options{Scope: doctor.Scope{WorkloadNamespace: ns}})
			wantDoctorFails(t, rep, "secret-keys", noKey.String(), "tls.key")
		})).Feature()
}

// missingKeyOverSDS checks the secret without a key under sync: the agent
// serves its copy as a TLS certificate with an empty key, the endpoint's
// policy computes, and the Envoy stand-in cannot terminate with it.
func (a *agentTier) missingKeyOverSDS(ctx context.Context, t *testing.T, ns string, noKey types.NamespacedName) {
	t.Helper()
	copies, err := a.h.waitOperatorCopies(ctx, a.secretsNS(), []types.NamespacedName{noKey})
	if err != nil {
		t.Fatal(err)
	}
	sdsName := a.secretsNS() + "/" + copies[noKey].Name
	cv := a.viewUntil(ctx, t, a.c, ns, func(cv *wire.ClusterView) error {
		if sdsSecret(t, cv, sdsName) == nil {
			return errNotServed(sdsName)
		}
		return nil
	})
	if cv.View.PolicyError != "" {
		t.Fatalf("under SDS the agent does not read the secret, yet it failed the policy: %s", cv.View.PolicyError)
	}
	sec := sdsSecret(t, cv, sdsName)
	if tc := sec.GetTlsCertificate(); tc == nil || len(tc.GetPrivateKey().GetInlineBytes()) != 0 {
		t.Fatalf("SDS %s: want a TLS certificate with an empty private key, got %s", sdsName, describeSDS(sec))
	}
	t.Logf("the agent serves SDS %s: %s", sdsName, describeSDS(sec))
	if err := a.standInServes(t, cv); err == nil {
		t.Errorf("the Envoy stand-in built a certificate from SDS %s, which has no key", sdsName)
	} else {
		t.Logf("the Envoy stand-in: %v", err)
	}
}

// errNotServed says the agent serves no SDS secret name.
type errNotServed string

func (e errNotServed) Error() string { return "the agent serves no SDS secret " + string(e) }

// egressEntries are the view's egress policy-map entries.
func egressEntries(cv *wire.ClusterView) []wire.PolicyMapEntry {
	var out []wire.PolicyMapEntry
	for _, e := range cv.View.PolicyMap {
		if e.TrafficDirection == "Egress" {
			out = append(out, e)
		}
	}
	return out
}

// wantDoctorFails wants the doctor's check id to fail, its reason
// mentioning each of want.
func wantDoctorFails(t *testing.T, rep *doctor.Report, id string, want ...string) {
	t.Helper()
	f := rep.Finding(id)
	if f == nil || f.Status != doctor.StatusFail {
		t.Fatalf("doctor %s = %v, want fail", id, f)
	}
	for _, w := range want {
		if !strings.Contains(f.Reason, w) {
			t.Errorf("doctor %s does not mention %q: %s", id, w, f.Reason)
		}
	}
	t.Logf("the doctor agrees: %s: %s", id, f.Reason)
}
