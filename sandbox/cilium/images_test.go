package cilium

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart/loader"

	"github.com/cilium-tls-intercept/sandbox/sandbox/release"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// TestEveryServedReleaseIsPinned: images.json holds exactly the served
// releases, each with its own agent, operator and relay images and an
// Envoy pinned by digest.
func TestEveryServedReleaseIsPinned(t *testing.T) {
	p, err := Pinned()
	if err != nil {
		t.Fatal(err)
	}
	served := map[string]bool{}
	for m := versions.OldestMinor; m <= versions.NewestMinor; m++ {
		for _, v := range versions.ServedReleases(m) {
			served[v.String()] = true
			imgs, ok := Images(v)
			if !ok {
				t.Errorf("%s is served but has no pinned images: go generate ./sandbox/cilium", v)
				continue
			}
			for _, want := range []string{"quay.io/cilium/cilium:v" + v.String(), "quay.io/cilium/operator-generic:v" + v.String(), "quay.io/cilium/hubble-relay:v" + v.String()} {
				if !slices.Contains(imgs, want) {
					t.Errorf("%s: images %v lack %s", v, imgs, want)
				}
			}
			if !slices.ContainsFunc(imgs, func(i string) bool {
				return strings.HasPrefix(i, "quay.io/cilium/cilium-envoy:") && strings.Contains(i, "@sha256:")
			}) {
				t.Errorf("%s: images %v have no cilium-envoy pinned by digest", v, imgs)
			}
		}
	}
	for r := range p.Releases {
		if !served[r] {
			t.Errorf("images.json pins %s, which servedPatches does not list", r)
		}
	}
	if _, ok := Images(versions.MustParseCilium("1.18.7")); ok {
		t.Error("1.18.7 (not served) has pinned images")
	}
}

// TestPinnedImagesFollowCharts renders the chart of each default release
// whose module is in the module cache with today's Values and compares the
// images with the pinned ones: a change of Values that changes the images
// (a component turned on, say) needs `go generate ./sandbox/cilium`.
func TestPinnedImagesFollowCharts(t *testing.T) {
	checked := 0
	for _, v := range versions.DefaultReleases() {
		dir := filepath.Join(release.ModuleCache(), "github.com", "cilium", "cilium@v"+v.String(), "install", "kubernetes", "cilium")
		if _, err := os.Stat(dir); err != nil {
			t.Logf("%s: chart not in the module cache (go mod download github.com/cilium/cilium@v%s), not compared", v, v)
			continue
		}
		c, err := loader.LoadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		got, err := RenderImages(context.Background(), v, c)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := Images(v)
		if !slices.Equal(got, want) {
			t.Errorf("%s: the chart runs %v with today's values, images.json pins %v: go generate ./sandbox/cilium", v, got, want)
		}
		checked++
	}
	if checked == 0 {
		t.Skip("needs a default release's Cilium module in the module cache (go mod download)")
	}
}
