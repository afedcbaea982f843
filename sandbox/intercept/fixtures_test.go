package intercept

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

const fixturesDir = "../../fixtures/values"

// TestRenderValuesCases renders every fixtures/values case for every minor:
// supported minors must render and satisfy the chart's invariants, older
// ones must be refused.
func TestRenderValuesCases(t *testing.T) {
	cases, err := ValuesCases(fixturesDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 10 {
		t.Fatalf("found %d values cases in %s, want at least 10", len(cases), fixturesDir)
	}
	for _, c := range cases {
		for _, v := range versions.DefaultReleases() {
			t.Run(c.Name+"/"+v.MinorString(), func(t *testing.T) {
				out, err := Render(context.Background(), RenderOptions{Cilium: v, ValuesFiles: []string{c.Path}})
				if !c.Supports(v) {
					if !errors.Is(err, ErrInvalidValues) {
						t.Fatalf("Render for %s = %v, want ErrInvalidValues (case needs 1.%d)", v, err, c.SinceMinor)
					}
					return
				}
				if err != nil {
					t.Fatalf("Render: %v", err)
				}
				objs, err := out.Objects()
				if err != nil {
					t.Fatal(err)
				}
				checkInvariants(t, objs)
			})
		}
	}
}

func TestValuesCasesGating(t *testing.T) {
	cases, err := ValuesCases(fixturesDir)
	if err != nil {
		t.Fatal(err)
	}
	since := map[string]int{}
	for _, c := range cases {
		since[c.Name] = c.SinceMinor
	}
	want := map[string]int{"defaults": 16, "since-1.19/pass-through-double-star": 19, "since-1.20/server-names-anywhere": 20}
	for name, minor := range want {
		if since[name] != minor {
			t.Errorf("case %s: SinceMinor = %d, want %d", name, since[name], minor)
		}
	}
	if _, err := ValuesCases(filepath.Join(fixturesDir, "no-such-dir")); err == nil {
		t.Error("ValuesCases of a missing directory succeeded, want an error")
	}
}
