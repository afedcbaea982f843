package scenarios

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
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

// headerSecret is the Secret the github group's header is set from (the doctor and the
// agent tier's credential injection read its copy).
func (h *hermeticCluster) headerSecret() types.NamespacedName {
	return types.NamespacedName{Namespace: h.tlsNS, Name: headerSecret}
}

func (h *hermeticCluster) featureDoctor() features.Feature {
	return hermeticFeature("doctor on the hermetic cluster", scenario.NegativeControl).
		Assess("passes the certificate, secret and policy checks and fails only what cannot run here", timed(func(ctx context.Context, t *testing.T) {
			if err := h.createWorkloadPods(ctx, t); err != nil {
				t.Fatal(err)
			}
			want := h.doctorExpectation()
			if suite.cilium != nil {
				// As `sandbox up` does, wait for Cilium's operator's copies.
				srcs, err := h.policySecrets(ctx, intercept.WorkloadNamespace)
				if err != nil {
					t.Fatal(err)
				}
				srcs = append(srcs, h.headerSecret()) // the doctor checks its copy too
				if _, err := h.waitOperatorCopies(ctx, suite.cilium.Config["policy-secrets-namespace"], srcs); err != nil {
					t.Fatal(err)
				}
			}
			rep := h.runDoctor(ctx, t, doctor.Options{})
			for _, id := range want.pass {
				if f := rep.Finding(id); f == nil || f.Status != doctor.StatusPass {
					t.Errorf("doctor %s = %v, want pass", id, f)
				}
			}
			for _, id := range want.skip {
				if f := rep.Finding(id); f == nil || f.Status != doctor.StatusSkip {
					t.Errorf("doctor %s = %v, want skip", id, f)
				}
			}
			for _, id := range want.unread {
				if f := rep.Finding(id); f == nil || f.Status != doctor.StatusUnread {
					t.Errorf("doctor %s = %v, want unread", id, f)
				}
			}
			for _, f := range rep.Findings {
				if why, ok := want.mayFail[f.ID]; f.Status == doctor.StatusFail && !ok {
					t.Errorf("doctor %s failed (%s): only %v may fail here", f.ID, f.Reason, slices.Sorted(maps.Keys(want.mayFail)))
				} else if ok {
					t.Logf("doctor %s: %s (%s)", f.ID, f.Status, why)
				}
			}
			if rep.RootCause != want.rootCause {
				t.Errorf("doctor root cause = %q, want %s", rep.RootCause, want.rootCause)
			}
		})).Feature()
}

// doctorExpectation is what the doctor must report on the hermetic cluster.
type doctorExpectation struct {
	pass, skip, unread []string
	// mayFail are the checks allowed to fail, with why.
	mayFail   map[string]string
	rootCause string
}

// doctorExpectation: the checks reading only the API server pass. Without
// Cilium's helper, the agent is missing and everything needing it skips;
// with it, Cilium's chart is installed and the operator copies the secrets,
// so the secrets-mode checks pass, and what fails is what needs a pod.
// policies-accepted is unread either way: no operator here runs Cilium's
// policy validator, so no policy carries the Valid condition it writes.
func (h *hermeticCluster) doctorExpectation() doctorExpectation {
	apiOnly := []string{"tls-policies", "secret-keys", "certificates",
		"certificate-sans", "dns-rule", "http-rule", "policy-selects-workload", "proxy-env", "ca-trust"}
	if suite.cilium == nil {
		return doctorExpectation{pass: apiOnly, skip: []string{"secret-synced"}, unread: []string{"policies-accepted"}, rootCause: "cilium-agents",
			mayFail: map[string]string{"cilium-agents": "no Cilium agent runs here"}}
	}
	return doctorExpectation{
		pass:   append(apiOnly, "cilium-agents", "l7-proxy", "secrets-mode", "secret-location", "secret-synced"),
		unread: []string{"policies-accepted"},
		mayFail: map[string]string{
			"envoy":             "no Envoy pod runs here; the agent provider's Envoy stand-in (sandbox/envoystandin) decides in its place",
			"endpoints-managed": "no pod runs here, so none is a Cilium endpoint",
		},
		rootCause: "envoy",
	}
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
