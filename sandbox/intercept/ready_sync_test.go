package intercept

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
	"github.com/cilium-tls-intercept/sandbox/sandbox/cluster"
	"github.com/cilium-tls-intercept/sandbox/sandbox/resources"
)

// failEvery makes every n-th request of a fake client (the first one
// included) fail with a connection reset, as requests do while Cilium
// programs the node the API server's traffic goes through.
func failEvery(f *k8stesting.Fake, n int) {
	count := 0
	f.PrependReactor("*", "*", func(k8stesting.Action) (bool, runtime.Object, error) {
		count++
		if (count-1)%n == 0 {
			return true, nil, fmt.Errorf("read tcp 172.18.0.1:52814->172.18.0.2:6443: read: %w", syscall.ECONNRESET)
		}
		return false, nil, nil
	})
}

func syncConfig() *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "kube-system", Name: ciliumtls.ConfigMapName},
		Data: map[string]string{"policy-secrets-only-from-secrets-namespace": "true", "policy-secrets-namespace": "cilium-secrets", "enable-policy-secrets-sync": "true"}}
}

func sourceSecret(name, ca string) *corev1.Secret {
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "cert-manager", Name: name}, Data: map[string][]byte{"ca.crt": []byte(ca)}}
}

func operatorCopy(name, ca string) *corev1.Secret {
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "cilium-secrets", Name: "cilium-sync-secret-" + name,
		Labels: map[string]string{ciliumtls.OwningSecretNamespaceLabel: "cert-manager", ciliumtls.OwningSecretNameLabel: name}},
		Data: map[string][]byte{"ca.crt": []byte(ca)}}
}

// trustPolicy names the upstream trust as its originatingTLS secret.
func trustPolicy() *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy",
		"metadata": map[string]any{"namespace": WorkloadNamespace, "name": "intercept-tls-github",
			"labels": map[string]any{"app.kubernetes.io/instance": DefaultReleaseName}},
		"spec": map[string]any{"egress": []any{map[string]any{"toPorts": []any{map[string]any{
			"originatingTLS": map[string]any{"secret": map[string]any{"namespace": "cert-manager", "name": UpstreamTrustSecret}},
		}}}}},
	}}
}

func policyClient(objs ...runtime.Object) *dynamicfake.FakeDynamicClient {
	return dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{resources.CiliumNetworkPolicies(): "CiliumNetworkPolicyList", resources.Bundles(): "BundleList"}, objs...)
}

// TestWaitSyncedSecretsCurrentData: a copy counts only when it holds its
// source's data. Offline, every run puts a new fake upstream CA in the
// upstream trust; a copy still holding the last run's CA makes Envoy
// refuse the fake upstream.
func TestWaitSyncedSecretsCurrentData(t *testing.T) {
	cases := []struct {
		name    string
		objs    []runtime.Object
		wantErr string
	}{
		{name: "copy current", objs: []runtime.Object{syncConfig(), sourceSecret(UpstreamTrustSecret, "CA-2"), operatorCopy(UpstreamTrustSecret, "CA-2")}},
		{name: "copy of the last run's CA", objs: []runtime.Object{syncConfig(), sourceSecret(UpstreamTrustSecret, "CA-2"), operatorCopy(UpstreamTrustSecret, "CA-1")},
			wantErr: "cert-manager/intercept-upstream-ca: copy cilium-sync-secret-intercept-upstream-ca holds other data than its source (ca.crt)"},
		{name: "no copy", objs: []runtime.Object{syncConfig(), sourceSecret(UpstreamTrustSecret, "CA-2")},
			wantErr: "cert-manager/intercept-upstream-ca: no copy yet"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := SyncInput{Kube: fake.NewClientset(c.objs...), Dyn: policyClient(trustPolicy()), Selector: ReleaseSelector(DefaultReleaseName),
				CiliumNamespace: "kube-system", Timeout: 50 * time.Millisecond}
			detail, err := WaitSyncedSecrets(t.Context(), in)
			if c.wantErr == "" {
				if err != nil || detail != "policy secrets copied into cilium-secrets, " {
					t.Fatalf("WaitSyncedSecrets = %q, %v", detail, err)
				}
				return
			}
			if !errors.Is(err, cluster.ErrNotReady) || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("error = %v, want ErrNotReady naming %q", err, c.wantErr)
			}
		})
	}
}

// bundle is a trust-manager Bundle of generation gen whose Synced condition
// was observed for generation observed.
func bundle(gen, observed int64) *unstructured.Unstructured {
	b := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "trust.cert-manager.io/v1alpha1", "kind": "Bundle",
		"metadata": map[string]any{"name": UpstreamTrustSecret, "generation": gen,
			"labels": map[string]any{"app.kubernetes.io/instance": DefaultReleaseName}},
		"status": map[string]any{"conditions": []any{map[string]any{
			"type": "Synced", "status": "True", "reason": "Synced", "observedGeneration": observed}}},
	}}
	return b
}

// TestWaitBundlesCurrentGeneration: a Synced condition of an earlier
// generation means trust-manager has not yet written the new spec (a new
// fake upstream CA) to the target.
func TestWaitBundlesCurrentGeneration(t *testing.T) {
	sel := ReleaseSelector(DefaultReleaseName)
	if err := WaitBundles(t.Context(), policyClient(bundle(2, 2)), sel, 50*time.Millisecond); err != nil {
		t.Fatalf("a Bundle synced for its generation: %v", err)
	}
	err := WaitBundles(t.Context(), policyClient(bundle(2, 1)), sel, 50*time.Millisecond)
	if !errors.Is(err, cluster.ErrNotReady) || !strings.Contains(err.Error(), "Synced for generation 1, not yet for the current 2") {
		t.Fatalf("error = %v, want ErrNotReady: synced for an earlier generation", err)
	}
}

// TestReadyWaitsTransientErrors: the waits look again after a connection
// reset, and a wait that times out on errors reports the last one.
func TestReadyWaitsTransientErrors(t *testing.T) {
	ctx := context.Background()
	sel := ReleaseSelector(DefaultReleaseName)
	t.Run("bundles", func(t *testing.T) {
		dyn := policyClient(bundle(1, 1))
		failEvery(&dyn.Fake, 2)
		if err := WaitBundles(ctx, dyn, sel, 30*time.Second); err != nil {
			t.Fatalf("WaitBundles stopped at a transient error: %v", err)
		}
	})
	t.Run("synced secrets", func(t *testing.T) {
		kube := fake.NewClientset(syncConfig(), sourceSecret(UpstreamTrustSecret, "CA"), operatorCopy(UpstreamTrustSecret, "CA"))
		failEvery(&kube.Fake, 4)
		dyn := policyClient(trustPolicy())
		failEvery(&dyn.Fake, 3)
		in := SyncInput{Kube: kube, Dyn: dyn, Selector: sel, CiliumNamespace: "kube-system", Timeout: 30 * time.Second}
		if _, err := WaitSyncedSecrets(ctx, in); err != nil {
			t.Fatalf("WaitSyncedSecrets stopped at a transient error: %v", err)
		}
	})
	t.Run("certificates, errors until the timeout", func(t *testing.T) {
		dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
			map[schema.GroupVersionResource]string{resources.Certificates(): "CertificateList"})
		failEvery(&dyn.Fake, 1)
		err := WaitCertificates(ctx, dyn, sel, 50*time.Millisecond)
		if !errors.Is(err, cluster.ErrNotReady) || !strings.Contains(err.Error(), "connection reset by peer") {
			t.Fatalf("error = %v, want ErrNotReady with the last error", err)
		}
	})
}
