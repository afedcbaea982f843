package scenarios

import (
	"context"
	"testing"
	"time"

	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	cmmeta "github.com/cert-manager/cert-manager/pkg/apis/meta/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/e2e-framework/pkg/features"

	"github.com/cilium-tls-intercept/sandbox/sandbox/doctor"
	"github.com/cilium-tls-intercept/sandbox/sandbox/hermetic"
	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
)

func (h *hermeticCluster) featureRotation() features.Feature {
	const group = "github"
	return hermeticFeature("forced renewal issues a new certificate", "rotation").
		Assess("a renewal requested as cmctl does gives a new serial that still chains", timed(func(ctx context.Context, t *testing.T) {
			ns, name := hermetic.SecretsNamespace, "intercept-"+group
			before, err := h.waitCertificateReady(ctx, ns, name, 1)
			if err != nil {
				t.Fatal(err)
			}
			old, _, err := h.secretCert(ctx, ns, intercept.SecretName(group))
			if err != nil {
				t.Fatal(err)
			}
			before.Status.Conditions = append(before.Status.Conditions, cmapi.CertificateCondition{
				Type: cmapi.CertificateConditionIssuing, Status: cmmeta.ConditionTrue,
				Reason: "ManuallyTriggered", Message: "renewal requested by the hermetic scenario",
				LastTransitionTime: &metav1.Time{Time: time.Now()}, ObservedGeneration: before.Generation,
			})
			if _, err := h.cm.CertmanagerV1().Certificates(ns).UpdateStatus(ctx, before, metav1.UpdateOptions{}); err != nil {
				t.Fatal(err)
			}
			if _, err := h.waitCertificateReady(ctx, ns, name, *before.Status.Revision+1); err != nil {
				t.Fatal(err)
			}
			renewed, _, err := h.secretCert(ctx, ns, intercept.SecretName(group))
			if err != nil {
				t.Fatal(err)
			}
			if renewed.SerialNumber.Cmp(old.SerialNumber) == 0 {
				t.Fatalf("serial unchanged after renewal: %s", old.SerialNumber)
			}
			ca, _, err := h.sandboxCA(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := verifyLeaf(renewed, ca, "api.github.com"); err != nil {
				t.Errorf("renewed certificate does not verify: %v", err)
			}
			t.Logf("serial %s -> %s", old.SerialNumber, renewed.SerialNumber)
		})).Feature()
}

func (h *hermeticCluster) featureDoctor() features.Feature {
	return hermeticFeature("doctor on a cluster without Cilium", "negative-control").
		Assess("names the missing agent and passes the certificate, secret and policy checks", timed(func(ctx context.Context, t *testing.T) {
			src, err := doctor.NewLiveSource(h.cp.KubeconfigPath)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := doctor.Run(ctx, src, doctor.Options{})
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]doctor.Status{
				"cilium-agents": doctor.StatusFail, "tls-policies": doctor.StatusPass,
				"secret-keys": doctor.StatusPass, "certificates": doctor.StatusPass,
				"certificate-sans": doctor.StatusPass, "dns-rule": doctor.StatusPass,
			}
			for id, status := range want {
				f := rep.Finding(id)
				if f == nil {
					t.Errorf("doctor has no check %q", id)
					continue
				}
				if f.Status != status {
					t.Errorf("doctor %s = %s (%s), want %s", id, f.Status, f.Reason, status)
				}
			}
			if rep.RootCause != "cilium-agents" {
				t.Errorf("doctor root cause = %q, want cilium-agents", rep.RootCause)
			}
		})).Feature()
}
