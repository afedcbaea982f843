package scenarios

import (
	"context"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/upstream"
)

// TestBrokenTrustSources breaks the upstream Bundle the chart renders with
// each mode's values, as the upstream-trust scenario does: offline the fake
// upstream's CA goes and the public roots stay; on the internet only a CA
// no server chains to stays. isBroken must tell each broken trust from the
// original.
func TestBrokenTrustSources(t *testing.T) {
	certs, err := upstream.NewCerts([]string{githubHost}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{upstreamLocal, upstreamInternet} {
		t.Run(mode, func(t *testing.T) {
			r, err := intercept.Render(context.Background(), intercept.RenderOptions{Values: chartValues(mode, certs.CAPEM)})
			if err != nil {
				t.Fatal(err)
			}
			objs, err := r.Objects()
			if err != nil {
				t.Fatal(err)
			}
			var sources []any
			for _, o := range objs {
				if o.GetKind() == "Bundle" && o.GetName() == intercept.UpstreamTrustSecret {
					sources, _, _ = unstructured.NestedSlice(o.Object, "spec", "sources")
				}
			}
			if len(sources) == 0 {
				t.Fatalf("no Bundle %s with sources rendered", intercept.UpstreamTrustSecret)
			}
			b := &brokenTrust{bundle: intercept.UpstreamTrustSecret, sources: sources}
			broken, err := b.brokenSources(mode == upstreamLocal)
			if err != nil {
				t.Fatal(err)
			}
			fake := certsOf(certs.CAPEM)
			switch mode {
			case upstreamLocal:
				if len(broken) != 1 || broken[0].(map[string]any)["useDefaultCAs"] != true {
					t.Errorf("offline broken sources %v, want the public roots only", broken)
				}
				if b.isBroken(fake) || !b.isBroken(nil) {
					t.Error("isBroken: a trust holding the fake CA is broken, or one without it is not")
				}
			default:
				pemText, _ := broken[0].(map[string]any)["inLine"].(string)
				if len(broken) != 1 || len(certsOf([]byte(pemText))) != 1 {
					t.Errorf("internet broken sources %v, want one inline CA", broken)
				}
				if !b.isBroken(b.only) || b.isBroken(append(fake, b.only...)) {
					t.Error("isBroken: the private CA alone is not broken, or more than it is")
				}
			}
		})
	}
}
