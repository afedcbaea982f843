package pipeline

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/cilium-tls-intercept/sandbox/sandbox/cilium"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// TestPlanCiliumImagesArePinned: the plan's Cilium images are the pinned
// ones, whatever the module cache holds; a release with no pinned list and
// no chart in the chart cache is left out with a note.
func TestPlanCiliumImagesArePinned(t *testing.T) {
	cases := []struct {
		release string
		pinned  bool
		note    string
	}{
		{"1.18.11", true, "are the ones pinned for Cilium 1.18.11 when the release was added"},
		{"1.16.2", true, "pinned for Cilium 1.16.2"},
		{"1.18.7", false, "images of cilium are not listed: Cilium 1.18.7 has no pinned image list"},
	}
	for _, c := range cases {
		t.Run(c.release, func(t *testing.T) {
			v := versions.MustParseCilium(c.release)
			p, err := BuildPlan(context.Background(), Options{Cilium: v, ChartCacheDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			want, _ := cilium.Images(v)
			if got := p.Releases[0].Images; p.Releases[0].Release != cilium.ReleaseName || !slices.Equal(got, want) || (len(got) > 0) != c.pinned {
				t.Errorf("cilium images %v, want %v", got, want)
			}
			if !slices.ContainsFunc(p.Notes, func(n string) bool { return strings.Contains(n, c.note) }) {
				t.Errorf("notes %q lack %q", p.Notes, c.note)
			}
		})
	}
}
