package cilium

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"path/filepath"
	"testing"

	"github.com/cilium-tls-intercept/sandbox/sandbox/release"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"

	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/golden"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

func TestValuesGolden(t *testing.T) {
	for _, v := range versions.DefaultReleases() {
		t.Run(v.MinorString(), func(t *testing.T) {
			got, err := json.MarshalIndent(Values(v, ValuesInput{ClusterName: "cilium-tls-intercept"}), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", "values-"+v.MinorString()+".json"), append(got, '\n'), *update)
		})
	}
}

func TestValuesSecretsByVersion(t *testing.T) {
	cases := []struct {
		version string
		key     string
		want    any
	}{
		{"1.16.19", "secretsBackend", "k8s"},
		{"1.17.16", "readSecretsOnlyFromSecretsNamespace", true},
		{"1.20.2", "readSecretsOnlyFromSecretsNamespace", true},
	}
	for _, c := range cases {
		t.Run(c.version, func(t *testing.T) {
			tls := Values(versions.MustParseCilium(c.version), ValuesInput{ClusterName: "x"})["tls"].(map[string]any)
			if tls[c.key] != c.want {
				t.Fatalf("tls.%s = %v, want %v (tls = %v)", c.key, tls[c.key], c.want, tls)
			}
			if c.key == "secretsBackend" && len(tls) != 1 {
				t.Errorf("1.16 values set keys its chart does not know: %v", tls)
			}
		})
	}
}

// TestValuesRenderCiliumConfig renders Cilium's own chart (from the Go module
// cache) with the values and checks the agent configuration they produce.
func TestValuesRenderCiliumConfig(t *testing.T) {
	v := versions.MustParseCilium(versions.DefaultCilium)
	c, _, err := release.LoadOffline(Chart(v), t.TempDir())
	if errors.Is(err, release.ErrChartUnavailable) {
		t.Skipf("needs Cilium %s's chart in the Go module cache: %v", v, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	r, err := release.Render(context.Background(), release.RenderInput{Chart: c, ReleaseName: ReleaseName, Namespace: Namespace,
		Values: Values(v, ValuesInput{ClusterName: "demo"})})
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	objs, err := r.Objects()
	if err != nil {
		t.Fatal(err)
	}
	var data map[string]any
	for _, o := range objs {
		if o.GetKind() == "ConfigMap" && o.GetName() == "cilium-config" {
			data, _ = o.Object["data"].(map[string]any)
		}
	}
	if data == nil {
		t.Fatal("cilium-config ConfigMap not rendered")
	}
	want := map[string]string{
		"enable-l7-proxy":                            "true",
		"external-envoy-proxy":                       "true",
		"kube-proxy-replacement":                     "true",
		"ipam":                                       "kubernetes",
		"enable-host-legacy-routing":                 "true",
		"enable-policy-secrets-sync":                 "true",
		"policy-secrets-only-from-secrets-namespace": "true",
		"policy-secrets-namespace":                   "cilium-secrets",
		"enable-hubble":                              "true",
	}
	for k, w := range want {
		if got := data[k]; got != w {
			t.Errorf("cilium-config %s = %v, want %q", k, got, w)
		}
	}
}
