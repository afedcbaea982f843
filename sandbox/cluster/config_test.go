package cluster

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cilium-tls-intercept/sandbox"
)

func TestLoadConfigRepositoryFile(t *testing.T) {
	cfg, err := LoadConfig(sandbox.KindConfig())
	if err != nil {
		t.Fatalf("kind-config.yaml: %v", err)
	}
	if len(cfg.Nodes) < 2 || cfg.Nodes[0].Role != "control-plane" {
		t.Fatalf("nodes = %+v, want a control-plane and at least one worker", cfg.Nodes)
	}
	if cfg.Networking.IPFamily != "ipv4" {
		t.Errorf("kind's defaults were not applied: ipFamily = %q", cfg.Networking.IPFamily)
	}
	out := ConfigFor(cfg, "other", "kindest/node:v1.36.4")
	if out.Name != "other" || out.Nodes[1].Image != "kindest/node:v1.36.4" {
		t.Errorf("ConfigFor = name %q, image %q", out.Name, out.Nodes[1].Image)
	}
	if cfg.Name == "other" || cfg.Nodes[1].Image == "kindest/node:v1.36.4" {
		t.Errorf("ConfigFor changed its input")
	}
}

func TestLoadConfigRejects(t *testing.T) {
	const good = `kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
networking:
  disableDefaultCNI: true
  kubeProxyMode: none
nodes:
  - role: control-plane
`
	cases := []struct {
		name, raw, wantErr string
	}{
		{"default CNI", strings.Replace(good, "disableDefaultCNI: true", "disableDefaultCNI: false", 1), "disableDefaultCNI must be true"},
		{"kube-proxy", strings.Replace(good, "kubeProxyMode: none", "kubeProxyMode: iptables", 1), `kubeProxyMode is "iptables"`},
		{"unknown field", strings.Replace(good, "kubeProxyMode: none", "kubeProxyMode: none\n  extra: 1", 1), "field extra not found"},
		{"bad role", strings.Replace(good, "control-plane", "master", 1), `nodes[0].role "master"`},
		{"no control plane", strings.Replace(good, "control-plane", "worker", 1), "at least one control-plane"},
		{"bad subnet", strings.Replace(good, "kubeProxyMode: none", "kubeProxyMode: none\n  podSubnet: 10.0.0.0/99", 1), `networking.podSubnet "10.0.0.0/99"`},
		{"bad name", "name: Bad_Name\n" + good, `name "Bad_Name"`},
		{"wrong apiVersion", strings.Replace(good, "v1alpha4", "v1alpha3", 1), `apiVersion "kind.x-k8s.io/v1alpha3"`},
		{"not yaml", "{", "kind config"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := LoadConfig([]byte(c.raw))
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("LoadConfig error = %v, want it to contain %q", err, c.wantErr)
			}
		})
	}
	if _, err := LoadConfig([]byte(good)); err != nil {
		t.Fatalf("minimal config rejected: %v", err)
	}
}

// TestLoadConfigFixtures loads every kind config under fixtures/kind:
// files named invalid-* must be rejected, the others accepted.
func TestLoadConfigFixtures(t *testing.T) {
	files, err := filepath.Glob("../../fixtures/kind/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures under fixtures/kind: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			_, err = LoadConfig(raw)
			if invalid := strings.HasPrefix(filepath.Base(f), "invalid-"); invalid != (err != nil) {
				t.Fatalf("LoadConfig(%s) error = %v, want rejected=%v", f, err, invalid)
			}
		})
	}
}
