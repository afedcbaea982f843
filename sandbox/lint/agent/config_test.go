package agent

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
