package scenarios

import (
	"context"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/e2e-framework/pkg/features"

	"github.com/cilium-tls-intercept/sandbox/sandbox/doctor"
	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
	"github.com/cilium-tls-intercept/sandbox/sandbox/scenario"
)

func (h *hermeticCluster) featureRotation() features.Feature {
	const group = "github"
	return hermeticFeature("forced renewal issues a new certificate", scenario.Rotation).
		Assess("a renewal requested as cmctl does gives a new serial that still chains", timed(func(ctx context.Context, t *testing.T) {
			ns, name := h.tlsNS, intercept.CertificateName(group)
			before, err := h.waitCertificateReady(ctx, ns, name, 1)
			if err != nil {
				t.Fatal(err)
			}
			old, _, err := h.secretCert(ctx, ns, intercept.SecretName(group))
			if err != nil {
				t.Fatal(err)
			}
			if err := renew(ctx, h.dyn, ns, name); err != nil {
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
	return hermeticFeature("doctor on a cluster without Cilium", scenario.NegativeControl).
		Assess("names the missing agent and passes the certificate, secret and policy checks", timed(func(ctx context.Context, t *testing.T) {
			if err := h.createWorkloadPods(ctx, t); err != nil {
				t.Fatal(err)
			}
			src, err := doctor.NewLiveSource(h.cp.KubeconfigPath)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := doctor.Run(ctx, src, doctor.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var text strings.Builder
			if err := rep.WriteTextWith(&text, doctor.TextOptions{AllEvidence: true}); err != nil {
				t.Fatal(err)
			}
			t.Logf("doctor report:\n%s", text.String())
			// The checks about certificates, secrets, policy wiring and the
			// workload's pod spec read only the API server, so each must pass
			// here; the others must not fail but through the missing agent.
			mustPass := []string{"tls-policies", "policies-accepted", "secret-keys", "certificates",
				"certificate-sans", "dns-rule", "http-rule", "policy-selects-workload", "proxy-env", "ca-trust"}
			for _, id := range mustPass {
				f := rep.Finding(id)
				if f == nil {
					t.Errorf("doctor has no check %q", id)
				} else if f.Status != doctor.StatusPass {
					t.Errorf("doctor %s = %s (%s), want pass", id, f.Status, f.Reason)
				}
			}
			for _, f := range rep.Findings {
				if f.ID != "cilium-agents" && f.Status == doctor.StatusFail {
					t.Errorf("doctor %s failed (%s): only cilium-agents may fail on a cluster without Cilium", f.ID, f.Reason)
				}
			}
			// No Cilium operator runs here, so no secret is copied into the
			// secrets namespace: the copy check must skip, never pass or fail.
			if f := rep.Finding("secret-synced"); f == nil || f.Status != doctor.StatusSkip {
				t.Errorf("doctor secret-synced = %v, want skip: no Cilium operator runs here to copy secrets", f)
			}
			if f := rep.Finding("cilium-agents"); f == nil || f.Status != doctor.StatusFail {
				t.Errorf("doctor cilium-agents = %v, want fail: no Cilium agent runs here", f)
			}
			if rep.RootCause != "cilium-agents" {
				t.Errorf("doctor root cause = %q, want cilium-agents", rep.RootCause)
			}
		})).Feature()
}

// createWorkloadPods creates, for each Deployment of the chart's workload
// namespace, one Pod from its template, as the ReplicaSet controller would
// (none runs here). No scheduler runs either, so the Pod stays Pending; it
// gives the doctor the workload's labels, environment and mounts to check.
func (h *hermeticCluster) createWorkloadPods(ctx context.Context, t *testing.T) error {
	t.Helper()
	ns := intercept.WorkloadNamespace
	deps, err := h.kube.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("list deployments in %s: %w", ns, err)
	}
	if len(deps.Items) == 0 {
		return fmt.Errorf("the chart rendered no Deployment in %s", ns)
	}
	for _, d := range deps.Items {
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: d.Name + "-hermetic", Namespace: ns, Labels: d.Spec.Template.Labels},
			Spec:       d.Spec.Template.Spec,
		}
		if _, err := h.kube.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create a pod from deployment %s/%s: %w", ns, d.Name, err)
		}
		t.Cleanup(func() {
			_ = h.kube.CoreV1().Pods(ns).Delete(context.WithoutCancel(ctx), pod.Name, *metav1.NewDeleteOptions(0))
		})
	}
	return nil
}
