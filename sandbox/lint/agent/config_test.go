package agent

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestReadConfigFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cm := write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cilium-config, namespace: kube-system}\ndata: {use-full-tls-context: \"true\"}\n")
	list := write("list.yaml", "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: cilium-config}\n  data: {a: b}\n")
	none := write("none.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: x}\n")
	c, err := readConfigFile(cm)
	if err != nil || c.data["use-full-tls-context"] != "true" || !strings.Contains(c.source, "kube-system/cilium-config") {
		t.Fatalf("ConfigMap: %+v %v", c, err)
	}
	if c, err := readConfigFile(list); err != nil || c.data["a"] != "b" {
		t.Fatalf("List: %+v %v", c, err)
	}
	for _, bad := range []string{none, filepath.Join(dir, "absent.yaml")} {
		if _, err := readConfigFile(bad); err == nil || !strings.Contains(err.Error(), "--cilium-config") {
			t.Errorf("%s: %v, want an error naming --cilium-config", bad, err)
		}
	}
}

// TestConfigMapData checks that a key without a value reads as "" (as the
// API server stores it) rather than emptying the whole configuration, and
// that a value of another type is an error naming the key.
func TestConfigMapData(t *testing.T) {
	for _, tc := range []struct {
		name    string
		data    map[string]any
		want    map[string]string
		wantErr string
	}{
		{"strings", map[string]any{"enable-policy-secrets-sync": "true"}, map[string]string{"enable-policy-secrets-sync": "true"}, ""},
		{"a key without a value (Cilium 1.17.0's chart)", map[string]any{"enable-policy-secrets-sync": "true", "ipam-multi-pool-pre-allocation": nil},
			map[string]string{"enable-policy-secrets-sync": "true", "ipam-multi-pool-pre-allocation": ""}, ""},
		{"a number", map[string]any{"bpf-nat-global-max": int64(524288)}, nil, "data key bpf-nat-global-max is 524288"},
		{"no data", nil, map[string]string{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := &unstructured.Unstructured{Object: map[string]any{"kind": "ConfigMap",
				"metadata": map[string]any{"name": "cilium-config", "namespace": "kube-system"}}}
			if tc.data != nil {
				o.Object["data"] = tc.data
			}
			got, err := configMapData(o)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || !maps.Equal(got, tc.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}
