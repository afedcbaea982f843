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
			out, err := Render(context.Background(), RenderOptions{CiliumVersion: v.String()})
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			golden.Check(t, filepath.Join("testdata", "default-"+v.MinorString()+".golden.yaml"), []byte(out.Manifest), *update)
		})
	}
}
