package scenarios

import (
	"maps"
	"strings"
	"testing"
)

func TestInlineOverrides(t *testing.T) {
	installed := map[string]string{"enable-policy-secrets-sync": "true", "policy-secrets-namespace": "cilium-secrets",
		"policy-secrets-only-from-secrets-namespace": "true", "enable-envoy-config": "true"}
	tests := []struct {
		name     string
		rendered map[string]string
		want     map[string]string
		wantErr  string
	}{
		{name: "sync keys left out of the render read as their zero defaults",
			rendered: map[string]string{"enable-envoy-config": "true"},
			want: map[string]string{"enable-envoy-config": "true", "enable-policy-secrets-sync": "",
				"policy-secrets-namespace": "", "policy-secrets-only-from-secrets-namespace": ""}},
		{name: "rendered values win",
			rendered: map[string]string{"enable-envoy-config": "true", "enable-policy-secrets-sync": "false",
				"policy-secrets-namespace": "x", "policy-secrets-only-from-secrets-namespace": "false"},
			want: map[string]string{"enable-envoy-config": "true", "enable-policy-secrets-sync": "false",
				"policy-secrets-namespace": "x", "policy-secrets-only-from-secrets-namespace": "false"}},
		{name: "another key left out is refused",
			rendered: map[string]string{"enable-policy-secrets-sync": "false"},
			wantErr:  "enable-envoy-config"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := inlineOverrides(installed, tt.rendered)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
