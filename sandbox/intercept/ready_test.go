package intercept

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestCertificateNotReady(t *testing.T) {
	cert := func(status string) *unstructured.Unstructured {
		u := &unstructured.Unstructured{Object: map[string]any{"metadata": map[string]any{"name": "c", "namespace": "ns"}}}
		if status != "" {
			u.Object["status"] = map[string]any{"conditions": []any{map[string]any{"type": "Ready", "status": status, "message": "Issuing certificate"}}}
		}
		return u
	}
	for status, want := range map[string]string{"True": "", "False": "ns/c: Issuing certificate", "": "ns/c: no Ready condition yet"} {
		if got := CertificateNotReady(cert(status)); got != want {
			t.Errorf("status %q: got %q, want %q", status, got, want)
		}
	}
}
