package certmanager

import (
	"context"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/cilium-tls-intercept/sandbox/sandbox/cluster"
)

// ReadyTimeout bounds each readiness wait in Up.
const ReadyTimeout = 4 * time.Minute

// probeName names the objects created in dry-run to prove a webhook answers.
const probeName = "sandbox-webhook-probe"

// CertManagerWorkloads are cert-manager's Deployments.
func CertManagerWorkloads() []cluster.Workload {
	var ws []cluster.Workload
	for _, n := range []string{"cert-manager", "cert-manager-webhook", "cert-manager-cainjector"} {
		ws = append(ws, cluster.Workload{Kind: cluster.Deployment, Namespace: Namespace, Name: n})
	}
	return ws
}

// TrustManagerWorkloads are trust-manager's Deployments.
func TrustManagerWorkloads() []cluster.Workload {
	return []cluster.Workload{{Kind: cluster.Deployment, Namespace: Namespace, Name: "trust-manager"}}
}

// CertificateProbe is a Certificate whose dry-run create cert-manager's
// webhook must admit.
func CertificateProbe() *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
		"metadata": map[string]any{"name": probeName, "namespace": Namespace},
		"spec": map[string]any{
			"secretName": probeName,
			"dnsNames":   []any{"probe.sandbox.invalid"},
			"issuerRef":  map[string]any{"name": probeName, "kind": "Issuer"},
		},
	}}
}

// BundleProbe is a trust-manager Bundle whose dry-run create trust-manager's
// webhook must admit.
func BundleProbe() *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "trust.cert-manager.io/v1alpha1", "kind": "Bundle",
		"metadata": map[string]any{"name": probeName},
		"spec": map[string]any{
			"sources": []any{map[string]any{"useDefaultCAs": true}},
			"target":  map[string]any{"configMap": map[string]any{"key": "ca.crt"}},
		},
	}}
}

// probeResource maps the probes' kinds to their resources.
func probeResource(obj *unstructured.Unstructured) schema.GroupVersionResource {
	gv, _ := schema.ParseGroupVersion(obj.GetAPIVersion())
	resources := map[string]string{"Certificate": "certificates", "Bundle": "bundles"}
	return gv.WithResource(resources[obj.GetKind()])
}

// WaitWebhook polls a server-side dry-run create of probe until the API
// server (and so the webhooks it calls) admits it. On timeout the error
// holds the last rejection.
func WaitWebhook(ctx context.Context, dyn dynamic.Interface, probe *unstructured.Unstructured, timeout time.Duration) error {
	return waitWebhook(ctx, dyn, probe, cluster.PollInterval, timeout)
}

func waitWebhook(ctx context.Context, dyn dynamic.Interface, probe *unstructured.Unstructured, interval, timeout time.Duration) error {
	res := probeResource(probe)
	var last error
	err := wait.PollUntilContextTimeout(ctx, interval, timeout, true, func(ctx context.Context) (bool, error) {
		var ri dynamic.ResourceInterface = dyn.Resource(res)
		if ns := probe.GetNamespace(); ns != "" {
			ri = dyn.Resource(res).Namespace(ns)
		}
		_, last = ri.Create(ctx, probe.DeepCopy(), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		return last == nil, nil
	})
	if err != nil && last != nil {
		return fmt.Errorf("%w: dry-run create of %s %s not admitted after %s: %v", cluster.ErrNotReady, probe.GetKind(), probe.GetName(), timeout, last)
	}
	if err != nil {
		return fmt.Errorf("wait for %s webhook: %w", probe.GetKind(), err)
	}
	return nil
}

// WaitCertManager waits for cert-manager's Deployments and then for its
// webhook to admit a Certificate.
func WaitCertManager(ctx context.Context, cs kubernetes.Interface, dyn dynamic.Interface, timeout time.Duration) error {
	if err := cluster.WaitRollout(ctx, cs, timeout, CertManagerWorkloads()...); err != nil {
		return fmt.Errorf("cert-manager: %w", err)
	}
	if err := WaitWebhook(ctx, dyn, CertificateProbe(), timeout); err != nil {
		return fmt.Errorf("cert-manager webhook: %w", err)
	}
	return nil
}

// WaitTrustManager waits for trust-manager's Deployment and then for its
// webhook to admit a Bundle.
func WaitTrustManager(ctx context.Context, cs kubernetes.Interface, dyn dynamic.Interface, timeout time.Duration) error {
	if err := cluster.WaitRollout(ctx, cs, timeout, TrustManagerWorkloads()...); err != nil {
		return fmt.Errorf("trust-manager: %w", err)
	}
	if err := WaitWebhook(ctx, dyn, BundleProbe(), timeout); err != nil {
		return fmt.Errorf("trust-manager webhook: %w", err)
	}
	return nil
}
