package pipeline

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/cilium-tls-intercept/sandbox/sandbox/cilium"
	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
	"github.com/cilium-tls-intercept/sandbox/sandbox/cluster"
	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
	"github.com/cilium-tls-intercept/sandbox/sandbox/resources"
)

func TestWaitSyncedSecrets(t *testing.T) {
	config := func(sync string) *corev1.ConfigMap {
		return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: cilium.Namespace, Name: "cilium-config"},
			Data: map[string]string{"policy-secrets-only-from-secrets-namespace": "true", "policy-secrets-namespace": "cilium-secrets", "enable-policy-secrets-sync": sync}}
	}
	data := func(v string) map[string][]byte { return map[string][]byte{"tls.crt": []byte(v)} }
	copyOf := func(ns, name, v string) *corev1.Secret {
		return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "cilium-secrets", Name: "copy-of-" + name,
			Labels: map[string]string{ciliumtls.OwningSecretNamespaceLabel: ns, ciliumtls.OwningSecretNameLabel: name}}, Data: data(v)}
	}
	source := func(ns, name, v string) *corev1.Secret {
		return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Data: data(v)}
	}
	policy := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy",
		"metadata": map[string]any{"namespace": intercept.WorkloadNamespace, "name": "intercept-tls-github",
			"labels": map[string]any{"app.kubernetes.io/instance": intercept.DefaultReleaseName}},
		"spec": map[string]any{"egress": []any{map[string]any{"toPorts": []any{map[string]any{
			"terminatingTLS": map[string]any{"secret": map[string]any{"namespace": "cert-manager", "name": "intercept-github-tls"}},
			"originatingTLS": map[string]any{"secret": map[string]any{"namespace": "cert-manager", "name": "intercept-upstream-ca"}},
		}}}}},
	}}
	cases := []struct {
		name       string
		objs       []runtime.Object
		wantDetail string
		wantErr    string
	}{
		{name: "no cilium-config: nothing to wait for"},
		{name: "secret sync off", objs: []runtime.Object{config("false")}},
		{name: "every copy there", objs: []runtime.Object{config("true"), source("cert-manager", "intercept-github-tls", "leaf"), source("cert-manager", "intercept-upstream-ca", "ca"),
			copyOf("cert-manager", "intercept-github-tls", "leaf"), copyOf("cert-manager", "intercept-upstream-ca", "ca")},
			wantDetail: "policy secrets copied into cilium-secrets"},
		{name: "a copy missing", objs: []runtime.Object{config("true"), source("cert-manager", "intercept-upstream-ca", "ca"), copyOf("cert-manager", "intercept-upstream-ca", "ca")},
			wantErr: "Cilium's operator's copies in cilium-secrets are not current: cert-manager/intercept-github-tls: no copy yet"},
		{name: "a copy of an older issue", objs: []runtime.Object{config("true"), source("cert-manager", "intercept-github-tls", "renewed"), source("cert-manager", "intercept-upstream-ca", "ca"),
			copyOf("cert-manager", "intercept-github-tls", "old"), copyOf("cert-manager", "intercept-upstream-ca", "ca")},
			wantErr: "cert-manager/intercept-github-tls: copy copy-of-intercept-github-tls holds other data than its source (tls.crt)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
				map[schema.GroupVersionResource]string{resources.CiliumNetworkPolicies(): "CiliumNetworkPolicyList"}, policy)
			st := &state{kube: fake.NewClientset(c.objs...), dyn: dyn}
			detail, err := waitSyncedSecrets(context.Background(), st, 50*time.Millisecond)
			if c.wantErr != "" {
				if !errors.Is(err, cluster.ErrNotReady) || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error = %v, want ErrNotReady naming %q", err, c.wantErr)
				}
				return
			}
			if err != nil || !strings.HasPrefix(detail, c.wantDetail) {
				t.Fatalf("waitSyncedSecrets = %q, %v; want %q, no error", detail, err, c.wantDetail)
			}
		})
	}
}
