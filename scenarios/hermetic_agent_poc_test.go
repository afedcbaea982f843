//go:build linux

package scenarios

import (
	"context"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/e2e-framework/pkg/features"

	syncnames "github.com/cilium/cilium/pkg/secretsync/names"

	"github.com/cilium-tls-intercept/sandbox/sandbox/doctor"
	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
)

func (a *agentTier) featureSourcesInSecretsNamespace() features.Feature {
	return agentFeature("failure: under sync, policy secrets inside the secrets namespace (the proof of concept's layout)", "negative-control").
		Assess("NPDS names a copy the operator never writes, and the doctor names the same secret", timed(func(ctx context.Context, t *testing.T) {
			const nsPoC, nsControl = "agent-poc-layout", "agent-poc-control"
			inside := types.NamespacedName{Namespace: a.secretsNS, Name: "agent-poc-github-tls"}
			pocTrust := types.NamespacedName{Namespace: nsPoC, Name: "agent-poc-upstream-ca"}
			ctlLeaf := types.NamespacedName{Namespace: nsControl, Name: "agent-control-tls"}
			ctlTrust := types.NamespacedName{Namespace: nsControl, Name: "agent-control-upstream-ca"}
			poc, ctl := a.newScratch(ctx, t, nsPoC), a.newScratch(ctx, t, nsControl)
			// The policy first and its certificate after, as when the chart
			// goes in and cert-manager issues it. The copy of the policy's
			// other secret shows the operator has handled the policy: it
			// reconciled the missing leaf first (it enqueues terminating
			// before originating secrets, and one worker reconciles them).
			poc.create(ctx, a.upstreamTrustAt(ctx, t, pocTrust))
			poc.policy(ctx, intercept.PolicyName(githubGroup), inside, pocTrust)
			a.mustCopies(ctx, t, pocTrust)
			poc.leaf(ctx, inside)
			// Copies made for events after the leaf appeared show the
			// operator has seen the leaf's own event too.
			ctl.policy(ctx, intercept.PolicyName(githubGroup), ctlLeaf, ctlTrust)
			ctl.leaf(ctx, ctlLeaf)
			ctl.create(ctx, a.upstreamTrustAt(ctx, t, ctlTrust))
			a.mustCopies(ctx, t, ctlLeaf, ctlTrust)
			copyName := syncnames.SyncedSecretName(inside)
			if _, err := a.h.kube.CoreV1().Secrets(a.secretsNS).Get(ctx, copyName, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
				t.Fatalf("copy %s/%s of %s: err = %v, want NotFound: the operator ignores secrets inside %s", a.secretsNS, copyName, inside, err, a.secretsNS)
			}
			in, err := a.inputs(ctx, nsPoC)
			if err != nil {
				t.Fatal(err)
			}
			v, err := a.c.Agent.ComputeView(in.viewInput())
			if err != nil {
				t.Fatal(err)
			}
			named := syncnames.SyncedSDSSecretName(a.secretsNS, inside)
			if !slices.Contains(sdsNames(v.NPDS), named) {
				t.Fatalf("NPDS names %v, not %s", sdsNames(v.NPDS), named)
			}
			t.Logf("NPDS names %s for %s; the operator wrote no %s/%s (control copies of %s and %s were written after)",
				named, inside, a.secretsNS, copyName, ctlLeaf, ctlTrust)
			a.logSDSOf(t, named, inside)
			if _, _, err := in.envoy(v, a.c.Agent.SDS).ServerConfig(githubHost, 443); err == nil {
				t.Errorf("the Envoy stand-in found a certificate for %s", named)
			} else {
				t.Logf("Go's TLS standing in for Envoy: %v", err)
			}
			rep := a.h.runDoctor(ctx, t, doctor.Options{Scope: doctor.Scope{WorkloadNamespace: nsPoC}})
			wantDoctorFails(t, rep, "secret-location", inside.String())
		})).Feature()
}

// mustCopies waits for the operator's copies of srcs.
func (a *agentTier) mustCopies(ctx context.Context, t *testing.T, srcs ...types.NamespacedName) {
	t.Helper()
	if _, err := a.h.waitOperatorCopies(ctx, a.secretsNS, srcs); err != nil {
		t.Fatal(err)
	}
}

// logSDSOf says which of the two names the agent serves over SDS: the
// copy's, which NPDS names, and the source's own, which it watches too.
func (a *agentTier) logSDSOf(t *testing.T, named string, src types.NamespacedName) {
	t.Helper()
	if _, ok := a.c.Agent.SDS.Get(named); ok {
		t.Errorf("the agent serves SDS %s, which nothing wrote", named)
	}
	if _, ok := a.c.Agent.SDS.Get(src.String()); ok {
		t.Logf("the agent serves the source itself as SDS %s, a name NPDS never uses", src)
	}
}

// upstreamTrustAt is a copy of the chart's upstream trust secret as at.
func (a *agentTier) upstreamTrustAt(ctx context.Context, t *testing.T, at types.NamespacedName) *corev1.Secret {
	t.Helper()
	src, err := a.h.kube.CoreV1().Secrets(a.h.tlsNS).Get(ctx, intercept.UpstreamTrustSecret, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: at.Namespace, Name: at.Name}, Type: src.Type, Data: src.Data}
}
