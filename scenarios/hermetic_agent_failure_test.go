//go:build linux

package scenarios

import (
	"context"
	"errors"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/e2e-framework/pkg/features"

	ciliumv2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"

	"github.com/cilium-tls-intercept/sandbox/sandbox/doctor"
	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/agent"
)

func (a *agentTier) featureInlineMissingTrust() features.Feature {
	return agentFeature("failure: inline mode with the upstream trust secret missing", "negative-control").
		Assess("ComputeSelectorPolicy fails for the endpoint's whole policy, and the doctor names the same secret", timed(func(ctx context.Context, t *testing.T) {
			const ns = "agent-inline-missing-trust"
			missing := types.NamespacedName{Namespace: ns, Name: intercept.UpstreamTrustSecret}
			s := a.newScratch(ctx, t, ns)
			s.policy(ctx, intercept.PolicyName(githubGroup), types.NamespacedName{}, missing)
			in, err := a.inputs(ctx, ns)
			if err != nil {
				t.Fatal(err)
			}
			c := a.inline(ctx, t)
			// Kubernetes' NotFound error names the secret without its namespace.
			pe := wantPolicyError(t, c.agent, in.viewInput(), `secrets "`+missing.Name+`" not found`)
			t.Logf("the agent (inline mode): %v", pe.Err)
			for _, l := range pe.Logged {
				t.Logf("the agent logged: %s", l)
			}
			// The DNS policy alone computes: it is the TLS policy's
			// missing secret that takes the whole endpoint's policy down.
			dnsOnly := in.viewInput()
			dnsOnly.Policies = policiesNamed(in.policies, intercept.DNSPolicyName)
			v, err := c.agent.ComputeView(dnsOnly)
			if err != nil {
				t.Fatalf("control: %s alone: %v", intercept.DNSPolicyName, err)
			}
			t.Logf("control: %s alone computes (%d egress entries); with %s the endpoint gets no policy at all, DNS included",
				intercept.DNSPolicyName, len(egressEntries(v)), intercept.PolicyName(githubGroup))
			st := c.doctorState(a.h.doctorState(ctx, t, doctor.Scope{WorkloadNamespace: ns}))
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
			copies, err := a.h.waitOperatorCopies(ctx, a.secretsNS, []types.NamespacedName{noKey})
			if err != nil {
				t.Fatal(err)
			}
			sdsName := a.secretsNS + "/" + copies[noKey].Name
			sec, err := a.c.Agent.SDS.Wait(ctx, sdsName, operatorCopyTimeout, nil)
			if err != nil {
				t.Fatal(err)
			}
			tc := sec.GetTlsCertificate()
			if tc == nil || len(tc.GetPrivateKey().GetInlineBytes()) != 0 {
				t.Fatalf("SDS %s: want a TLS certificate with an empty private key, got %s", sdsName, describeSDS(sec))
			}
			t.Logf("the agent serves SDS %s: %s", sdsName, describeSDS(sec))
			in, err := a.inputs(ctx, ns)
			if err != nil {
				t.Fatal(err)
			}
			v, err := a.c.Agent.ComputeView(in.viewInput())
			if err != nil {
				t.Fatal(err) // under SDS the agent does not read the secret
			}
			if _, _, err := in.envoy(v, a.c.Agent.SDS).ServerConfig(githubHost, 443); err == nil {
				t.Errorf("the Envoy stand-in built a certificate from SDS %s, which has no key", sdsName)
			} else {
				t.Logf("Go's TLS standing in for Envoy: %v", err)
			}
			pe := wantPolicyError(t, a.inline(ctx, t).agent, in.viewInput(), "missing certs")
			t.Logf("the agent (inline mode): %v", pe.Err)
			rep := a.h.runDoctor(ctx, t, doctor.Options{Scope: doctor.Scope{WorkloadNamespace: ns}})
			wantDoctorFails(t, rep, "secret-keys", noKey.String(), "tls.key")
		})).Feature()
}

// wantPolicyError computes in with ag and wants the agent's policy error,
// mentioning each of want.
func wantPolicyError(t *testing.T, ag *agent.Agent, in agent.ViewInput, want ...string) *agent.PolicyError {
	t.Helper()
	_, err := ag.ComputeView(in)
	var pe *agent.PolicyError
	if !errors.As(err, &pe) {
		t.Fatalf("ComputeView: err = %v, want the agent failing to compute the endpoint's policy", err)
	}
	for _, w := range want {
		if !strings.Contains(pe.Error(), w) {
			t.Errorf("the agent's error does not mention %q: %v", w, pe)
		}
	}
	return pe
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

// policiesNamed returns the policies called name.
func policiesNamed(ps []ciliumv2.CiliumNetworkPolicy, name string) []ciliumv2.CiliumNetworkPolicy {
	var out []ciliumv2.CiliumNetworkPolicy
	for _, p := range ps {
		if p.Name == name {
			out = append(out, p)
		}
	}
	return out
}
