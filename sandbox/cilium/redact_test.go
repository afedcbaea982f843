package cilium

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/cilium-tls-intercept/sandbox/sandbox/release"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// TestValuesRedactHeadersInEveryRelease renders each supported release's
// own chart (from the Go module cache) with the values and checks that
// cilium-config turns Hubble's redaction on and lists the credential
// headers and the extra ones to redact, as the agent's Hubble parser reads
// them (hubble-redact-http-headers-deny, split on white space and commas).
func TestValuesRedactHeadersInEveryRelease(t *testing.T) {
	want := append(RedactedHeaders(), "X-Api-Key")
	rendered := 0
	for _, v := range versions.DefaultReleases() {
		t.Run(v.String(), func(t *testing.T) {
			c, _, err := release.LoadOffline(Chart(v), t.TempDir())
			if errors.Is(err, release.ErrChartUnavailable) {
				t.Skipf("needs Cilium %s's chart in the Go module cache: %v", v, err)
			}
			if err != nil {
				t.Fatal(err)
			}
			r, err := release.Render(context.Background(), release.RenderInput{Chart: c, ReleaseName: ReleaseName, Namespace: Namespace,
				Values: Values(v, ValuesInput{ClusterName: "demo", RedactHeaders: []string{"x-api-key", "authorization"}})})
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
			if data["hubble-redact-enabled"] != "true" {
				t.Errorf("cilium-config hubble-redact-enabled = %v, want \"true\"", data["hubble-redact-enabled"])
			}
			deny, _ := data["hubble-redact-http-headers-deny"].(string)
			got := strings.FieldsFunc(deny, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' })
			if strings.ToLower(strings.Join(got, ",")) != strings.ToLower(strings.Join(want, ",")) {
				t.Errorf("cilium-config hubble-redact-http-headers-deny = %q, want %v", deny, want)
			}
			rendered++
		})
	}
	t.Logf("%d releases' charts render the redaction", rendered)
}
