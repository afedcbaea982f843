package certmanager

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cilium-tls-intercept/sandbox"
	"github.com/cilium-tls-intercept/sandbox/sandbox/release"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/golden"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

func TestUpstreamTrustSecretMatchesChart(t *testing.T) {
	c, err := release.LoadChartFS(sandbox.InterceptChart())
	if err != nil {
		t.Fatal(err)
	}
	ut, _ := c.Values["upstreamTrust"].(map[string]any)
	if ut == nil {
		t.Skip("needs upstreamTrust in charts/cilium-tls-intercept/values.yaml")
	}
	if got := ut["secretName"]; got != UpstreamTrustSecret {
		t.Fatalf("chart upstreamTrust.secretName = %v, UpstreamTrustSecret = %q: keep them equal", got, UpstreamTrustSecret)
	}
}

func TestValuesGolden(t *testing.T) {
	cases := map[string]map[string]any{
		"cert-manager.json":  CertManagerValues(),
		"trust-manager.json": TrustManagerValues(),
	}
	for name, vals := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := json.MarshalIndent(vals, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden.Check(t, filepath.Join("testdata", name), got, *update)
		})
	}
}

// render renders a chart from the Go module cache with the given values.
func render(t *testing.T, src release.Source, name string, vals map[string]any) []*unstructured.Unstructured {
	t.Helper()
	c, _, err := release.LoadOffline(src, t.TempDir())
	if errors.Is(err, release.ErrChartUnavailable) {
		t.Skipf("needs the %s chart in the Go module cache: %v", src.Name, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	r, err := release.Render(context.Background(), release.RenderInput{Chart: c, ReleaseName: name, Namespace: Namespace, Values: vals})
	if err != nil {
		t.Fatalf("render %s: %v", name, err)
	}
	objs, err := r.Objects()
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

func find(objs []*unstructured.Unstructured, kind, name string) *unstructured.Unstructured {
	for _, o := range objs {
		if o.GetKind() == kind && o.GetName() == name {
			return o
		}
	}
	return nil
}

func containerArgs(t *testing.T, d *unstructured.Unstructured) (string, string) {
	t.Helper()
	cs, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "containers")
	if len(cs) == 0 {
		t.Fatalf("%s has no containers", d.GetName())
	}
	c := cs[0].(map[string]any)
	args, _ := json.Marshal(c["args"])
	return string(args), c["image"].(string)
}

func TestRenderCertManager(t *testing.T) {
	objs := render(t, CertManagerChart(), CertManagerRelease, CertManagerValues())
	if find(objs, "CustomResourceDefinition", "certificates.cert-manager.io") == nil {
		t.Error("crds.enabled did not render the Certificate CRD")
	}
	for _, o := range objs {
		if o.GetKind() == "Job" {
			t.Errorf("Job %s rendered: no hook should hold the install until Cilium runs pods", o.GetName())
		}
	}
	for _, d := range []string{"cert-manager", "cert-manager-webhook"} {
		dep := find(objs, "Deployment", d)
		if dep == nil {
			t.Fatalf("Deployment %s not rendered", d)
		}
		args, image := containerArgs(t, dep)
		if !strings.Contains(args, "--feature-gates=NameConstraints=true") {
			t.Errorf("%s args lack the NameConstraints gate: %s", d, args)
		}
		if !strings.HasSuffix(image, ":"+versions.CertManager) {
			t.Errorf("%s image = %s, want tag %s", d, image, versions.CertManager)
		}
	}
}

func TestRenderTrustManager(t *testing.T) {
	objs := render(t, TrustManagerChart(), TrustManagerRelease, TrustManagerValues())
	dep := find(objs, "Deployment", "trust-manager")
	if dep == nil {
		t.Fatal("Deployment trust-manager not rendered")
	}
	args, image := containerArgs(t, dep)
	if !strings.Contains(args, "--secret-targets-enabled=true") {
		t.Errorf("trust-manager args lack secret targets: %s", args)
	}
	if !strings.HasSuffix(image, ":"+versions.TrustManager) {
		t.Errorf("trust-manager image = %s, want tag %s", image, versions.TrustManager)
	}
	inits, _, _ := unstructured.NestedSlice(dep.Object, "spec", "template", "spec", "initContainers")
	if len(inits) == 0 || inits[0].(map[string]any)["image"] != "quay.io/jetstack/trust-pkg-debian-trixie:"+trustPackageTag {
		t.Errorf("default package init container = %v, want the stamped trust package tag %s", inits, trustPackageTag)
	}
	found := false
	for _, o := range objs {
		if o.GetKind() != "ClusterRole" && o.GetKind() != "Role" {
			continue
		}
		b, _ := json.Marshal(o.Object["rules"])
		found = found || strings.Contains(string(b), UpstreamTrustSecret)
	}
	if !found {
		t.Errorf("no RBAC rule names the authorized secret %s", UpstreamTrustSecret)
	}
}
