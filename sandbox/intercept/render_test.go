package intercept

import (
	"context"
	"flag"
	"path/filepath"
	"testing"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"

	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/golden"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestRenderDefaultsGolden renders the default values for every supported
// Cilium minor and compares with testdata/default-1.N.golden.yaml.
func TestRenderDefaultsGolden(t *testing.T) {
	for _, v := range versions.DefaultReleases() {
		t.Run(v.MinorString(), func(t *testing.T) {
			out, err := Render(context.Background(), RenderOptions{Cilium: v})
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			golden.Check(t, filepath.Join("testdata", "default-"+v.MinorString()+".golden.yaml"), []byte(out.Manifest), *update)
		})
	}
}

// TestChartReceivesNormalisedCilium: the release is parsed once, and the
// chart is given it normalised, whether it came from RenderOptions.Cilium
// or from the values.
func TestChartReceivesNormalisedCilium(t *testing.T) {
	for _, opts := range []RenderOptions{
		{Cilium: versions.MustParseCilium("1.18")},
		{Set: []string{"cilium.version=v1.18"}},
	} {
		vals, err := MergeValues(opts)
		if err != nil {
			t.Fatal(err)
		}
		v, err := ciliumOf(vals)
		if err != nil {
			t.Fatal(err)
		}
		if got := vals["cilium"].(map[string]any)["version"]; v.String() != "1.18.11" || got != "1.18.11" {
			t.Errorf("%+v: release %s, chart gets cilium.version %v; want 1.18.11 for both", opts, v, got)
		}
	}
}
