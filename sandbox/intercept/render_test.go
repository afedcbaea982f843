package intercept

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
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
			got := out.Manifest
			golden := filepath.Join("testdata", "default-"+v.MinorString()+".golden.yaml")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("read golden (run with -update to create it): %v", err)
			}
			if got != string(want) {
				t.Errorf("render for %s differs from %s (run go test ./sandbox/intercept -run Golden -update and review the diff)", v, golden)
			}
		})
	}
}
