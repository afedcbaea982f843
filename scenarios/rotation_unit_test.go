package scenarios

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"

	"github.com/cilium-tls-intercept/sandbox/sandbox/resources"
)

// TestRenew triggers a renewal on a fake cluster as cmctl renew does, through
// a status write that first conflicts with cert-manager's own.
func TestRenew(t *testing.T) {
	c := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
		"metadata": map[string]any{"namespace": "cert-manager", "name": "intercept-github", "generation": int64(2)},
		"spec":     map[string]any{"secretName": "intercept-github-tls"},
		"status": map[string]any{"conditions": []any{
			map[string]any{"type": "Ready", "status": "True", "reason": "Ready", "message": "up to date"},
			map[string]any{"type": "Issuing", "status": "False", "reason": "Old"},
		}},
	}}
	dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{resources.Certificates(): "CertificateList"}, c)
	conflicts := 0
	dyn.PrependReactor("update", "certificates", func(a clienttesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() == "status" && conflicts == 0 {
			conflicts++
			return true, nil, apierrors.NewConflict(schema.GroupResource{Group: "cert-manager.io", Resource: "certificates"}, "intercept-github", nil)
		}
		return false, nil, nil
	})
	s := &suiteState{dyn: dyn, cs: fake.NewClientset(&corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: "cert-manager", Name: "intercept-github-tls"},
		Data:       map[string][]byte{"tls.crt": []byte("not PEM")}})}
	ctx := context.Background()
	if err := renew(ctx, dyn, "cert-manager", "intercept-github"); err != nil {
		t.Fatal(err)
	}
	got, err := dyn.Resource(resources.Certificates()).Namespace("cert-manager").Get(ctx, "intercept-github", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	conds := conditionsOf(got)
	if want := "conditions Ready=True (Ready: up to date), Issuing=True (ManuallyTriggered: Certificate re-issuance manually triggered)"; conds != want || conflicts != 1 {
		t.Errorf("after renew (%d conflicts): %s, want %s", conflicts, conds, want)
	}
	state := s.renewalState(ctx, groupCert{namespace: "cert-manager", name: "intercept-github", secretName: "intercept-github-tls"})
	for _, want := range []string{"secret: secret cert-manager/intercept-github-tls key tls.crt: no PEM certificate", "certificate cert-manager/intercept-github conditions Ready=True"} {
		if !strings.Contains(state, want) {
			t.Errorf("renewal state %q lacks %q", state, want)
		}
	}
	if err := renew(ctx, dyn, "cert-manager", "missing"); err == nil || !strings.Contains(err.Error(), "certificate cert-manager/missing") {
		t.Errorf("renew of a missing certificate: %v", err)
	}
}
