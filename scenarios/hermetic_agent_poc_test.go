package scenarios

import (
	"context"
	"fmt"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/e2e-framework/pkg/features"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun/wire"
	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
	"github.com/cilium-tls-intercept/sandbox/sandbox/doctor"
	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
)

func (a *agentTier) featureSourcesInSecretsNamespace() features.Feature {
	return agentFeature("failure: under sync, policy secrets inside the secrets namespace (the proof of concept's layout)", "negative-control").
		Assess("NPDS names a copy the operator never writes, and the doctor names the same secret", timed(func(ctx context.Context, t *testing.T) {
			a.requireSync(t)
			const nsPoC, nsControl = "agent-poc-layout", "agent-poc-control"
			inside := types.NamespacedName{Namespace: a.secretsNS(), Name: "agent-poc-github-tls"}
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
			copyName := ciliumtls.SyncedSecretName(a.h.cilium, inside.Namespace, inside.Name)
			if _, err := a.h.kube.CoreV1().Secrets(a.secretsNS()).Get(ctx, copyName, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
				t.Fatalf("copy %s/%s of %s: err = %v, want NotFound: the operator ignores secrets inside %s", a.secretsNS(), copyName, inside, err, a.secretsNS())
			}
			named := a.secretsNS() + "/" + copyName
			cv := a.viewUntil(ctx, t, a.c, nsPoC, func(cv *wire.ClusterView) error {
				if got := sdsNames(npdsOf(t, cv)); !slices.Contains(got, named) {
					return fmt.Errorf("NPDS names %v, not %s", got, named)
				}
				return nil
			})
			t.Logf("NPDS names %s for %s; the operator wrote no %s/%s (control copies of %s and %s were written after)",
				named, inside, a.secretsNS(), copyName, ctlLeaf, ctlTrust)
			a.logSDSOf(t, named, inside)
			if err := a.standInServes(t, cv); err == nil {
				t.Errorf("the Envoy stand-in found a certificate for %s", named)
			} else {
				t.Logf("the Envoy stand-in: %v", err)
			}
			rep := a.h.runDoctor(ctx, t, doctor.Options{Scope: doctor.Scope{WorkloadNamespace: nsPoC}})
			wantDoctorFails(t, rep, "secret-location", inside.String())
		})).Feature()
}

// mustCopies waits for the operator's copies of srcs.
func (a *agentTier) mustCopies(ctx context.Context, t *testing.T, srcs ...types.NamespacedName) {
	t.Helper()
	if _, err := a.h.waitOperatorCopies(ctx, a.secretsNS(), srcs); err != nil {
		t.Fatal(err)
	}
}

// logSDSOf says which of the two names the agent serves over SDS: the
// copy's, which NPDS names, and the source's own, which it watches too.
func (a *agentTier) logSDSOf(t *testing.T, named string, src types.NamespacedName) {
	t.Helper()
	served, err := a.c.Secrets(false)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range served {
		switch s.Name {
		case named:
			t.Errorf("the agent serves SDS %s, which nothing wrote", named)
		case src.String():
			t.Logf("the agent serves the source itself as SDS %s (%s), a name NPDS never uses", src, s.Type)
		}
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
