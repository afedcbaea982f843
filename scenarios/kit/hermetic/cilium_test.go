package hermetic

import (
	"context"
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// TestRenderCilium renders Cilium's own chart (from the Go module cache)
// with the sandbox's values and with an override, and checks the objects
// the hermetic control plane relies on: the secrets namespace Start leaves
// to the chart, and the secrets mode in cilium-config.
func TestRenderCilium(t *testing.T) {
	v, err := versions.ParseCilium(versions.DefaultCilium)
	if err != nil {
		t.Fatal(err)
	}
	inline := map[string]any{"tls": map[string]any{"readSecretsOnlyFromSecretsNamespace": false, "secretSync": map[string]any{"enabled": false}}}
	before := map[string]any{"tls": map[string]any{"readSecretsOnlyFromSecretsNamespace": false, "secretSync": map[string]any{"enabled": false}}}
	tests := []struct {
		name     string
		values   map[string]any
		wantSync string
	}{
		{"sandbox values", nil, "true"},
		{"inline secrets", inline, ""}, // the chart then writes no policy-secrets keys
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := RenderCilium(context.Background(), CiliumOptions{Version: v, Values: tt.values})
			if err != nil {
				t.Fatal(err)
			}
			cm := find(objs, "ConfigMap", "cilium-config")
			if cm == nil {
				t.Fatal("no cilium-config rendered")
			}
			if got, _, _ := unstructured.NestedString(cm.Object, "data", "enable-policy-secrets-sync"); got != tt.wantSync {
				t.Errorf("enable-policy-secrets-sync = %q, want %q", got, tt.wantSync)
			}
			if find(objs, "Namespace", SecretsNamespace) == nil {
				t.Errorf("no Namespace %s rendered: Start would leave it uncreated", SecretsNamespace)
			}
		})
	}
	if !reflect.DeepEqual(inline, before) {
		t.Errorf("RenderCilium changed the values it was given: %v", inline)
	}
}

func find(objs []*unstructured.Unstructured, kind, name string) *unstructured.Unstructured {
	for _, o := range objs {
		if o.GetKind() == kind && o.GetName() == name {
			return o
		}
	}
	return nil
}
