package intercept

import (
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	v2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// TestPoliciesParseWithCilium decodes every rendered CiliumNetworkPolicy of
// every values case into Cilium's Go type and runs Cilium's own Parse
// (which sanitizes each rule). Version-specific checks and the CRD schemas
// are sandbox/validate's.
func TestPoliciesParseWithCilium(t *testing.T) {
	cases, err := ValuesCases(fixturesDir)
	if err != nil {
		t.Fatal(err)
	}
	parsed := 0
	for _, c := range cases {
		for _, v := range versions.DefaultReleases() {
			if !c.Supports(v) {
				continue
			}
			out, err := Render(context.Background(), RenderOptions{Cilium: v, ValuesFiles: []string{c.Path}})
			if err != nil {
				t.Fatalf("%s for %s: %v", c.Name, v, err)
			}
			objs, err := out.Objects()
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range objs {
				if o.GetKind() != "CiliumNetworkPolicy" {
					continue
				}
				data, err := json.Marshal(o.Object)
				if err != nil {
					t.Fatal(err)
				}
				var cnp v2.CiliumNetworkPolicy
				if err := json.Unmarshal(data, &cnp); err != nil {
					t.Errorf("%s for %s: decode %s: %v", c.Name, v, o.GetName(), err)
					continue
				}
				if _, err := cnp.Parse(slog.Default(), "default"); err != nil {
					t.Errorf("%s for %s: Cilium rejects %s: %v", c.Name, v, o.GetName(), err)
				}
				parsed++
			}
		}
	}
	if parsed < 100 {
		t.Errorf("parsed %d policies, want at least 100 across the cases", parsed)
	}
	t.Logf("Cilium's Parse accepted %d policies", parsed)
}
