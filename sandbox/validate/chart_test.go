package validate_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
	"github.com/cilium-tls-intercept/sandbox/sandbox/validate"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

const valuesDir = "../../fixtures/values"

// TestChartRendersValidObjects renders the real chart with intercept.Render
// for every supported Cilium minor and every valid values case of
// fixtures/values, and asserts that every object passes every check.
func TestChartRendersValidObjects(t *testing.T) {
	cases, err := intercept.ValuesCases(valuesDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatalf("no values cases in %s", valuesDir)
	}
	val := validate.NewValidator()
	rendered := 0
	for _, c := range cases {
		if strings.HasPrefix(filepath.Base(c.Path), "invalid-") {
			continue // expected to fail rendering
		}
		for _, v := range versions.DefaultReleases() {
			if !c.Supports(v) {
				continue
			}
			opts := externalsOf(t, c.Path, v)
			t.Run(c.Name+"/"+v.MinorString(), func(t *testing.T) {
				r, err := intercept.Render(context.Background(), intercept.RenderOptions{
					Cilium: v, ValuesFiles: []string{c.Path},
				})
				if err != nil {
					t.Fatalf("render %s for Cilium %s: %v", c.Path, v, err)
				}
				objs, err := r.Objects()
				if err != nil {
					t.Fatal(err)
				}
				opts.Cilium = v
				ps, err := val.Objects(objs, opts)
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range ps {
					if (p.Check == validate.CheckHeaderRotation || p.Check == validate.CheckKnownBug) && p.Severity == validate.Warning {
						t.Logf("expected on Cilium %s: %s", v, p)
						continue
					}
					t.Errorf("%s", p)
				}
				rendered++
			})
		}
	}
	t.Logf("validated %d renders of %d values cases", rendered, len(cases))
}

// externalsOf declares what a values case takes from outside the chart (an
// existing upstream trust secret holds ca.crt in the TLS secrets namespace
// the chart chooses for release v, as the chart documents) and the Cilium
// secrets mode it is written for (cilium.secretSync).
func externalsOf(t *testing.T, path string, v versions.Cilium) validate.Options {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var vals struct {
		Cilium struct {
			SecretSync *bool `json:"secretSync"`
		} `json:"cilium"`
		TLSSecrets struct {
			Namespace string `json:"namespace"`
		} `json:"tlsSecrets"`
		UpstreamTrust struct {
			ExistingSecret string `json:"existingSecret"`
		} `json:"upstreamTrust"`
		Intercept map[string]struct {
			SecretHeaders []struct {
				Secret struct{ Name, Key string } `json:"secret"`
			} `json:"secretHeaders"`
		} `json:"intercept"`
		CA struct {
			Namespace      string `json:"namespace"`
			ExistingSecret struct {
				Name string `json:"name"`
			} `json:"existingSecret"`
		} `json:"ca"`
	}
	if err := yaml.Unmarshal(data, &vals); err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	opts := validate.Options{WithoutSecretSync: vals.Cilium.SecretSync != nil && !*vals.Cilium.SecretSync}
	if s := vals.UpstreamTrust.ExistingSecret; s != "" {
		ns := vals.TLSSecrets.Namespace
		if ns == "" {
			ns = intercept.TLSSecretsNamespace(v)
		}
		opts.ExternalSecrets = map[string][]string{ns + "/" + s: {"ca.crt"}}
	}
	for _, g := range vals.Intercept {
		for _, h := range g.SecretHeaders {
			ns := vals.TLSSecrets.Namespace
			if ns == "" {
				ns = intercept.TLSSecretsNamespace(v)
			}
			if opts.ExternalSecrets == nil {
				opts.ExternalSecrets = map[string][]string{}
			}
			opts.ExternalSecrets[ns+"/"+h.Secret.Name] = []string{h.Secret.Key}
		}
	}
	if s := vals.CA.ExistingSecret.Name; s != "" {
		if opts.ExternalSecrets == nil {
			opts.ExternalSecrets = map[string][]string{}
		}
		ns := vals.CA.Namespace
		if ns == "" {
			ns = intercept.CANamespace
		}
		opts.ExternalSecrets[ns+"/"+s] = []string{"tls.crt", "tls.key"}
	}
	return opts
}

// TestChartRejectsCasesForOlderReleases renders each since-1.N case for the
// releases before 1.N: the chart must refuse it, or the objects must fail a
// check. Either way a user cannot apply it unknowingly. And the objects the
// chart renders for 1.N must fail a check for the older release, so the
// checks and the chart's own version gates agree.
func TestChartRejectsCasesForOlderReleases(t *testing.T) {
	cases, err := intercept.ValuesCases(valuesDir)
	if err != nil {
		t.Fatal(err)
	}
	val := validate.NewValidator()
	for _, c := range cases {
		for _, v := range versions.DefaultReleases() {
			if c.Supports(v) {
				continue
			}
			t.Run(c.Name+"/"+v.MinorString(), func(t *testing.T) {
				r, err := intercept.Render(context.Background(), intercept.RenderOptions{
					Cilium: v, ValuesFiles: []string{c.Path},
				})
				if err != nil {
					t.Logf("the chart refuses it: %v", err)
					r, err = intercept.Render(context.Background(), intercept.RenderOptions{
						Cilium: versions.MustParseCilium(fmt.Sprintf("1.%d", c.SinceMinor)), ValuesFiles: []string{c.Path},
					})
					if err != nil {
						t.Fatalf("render %s for 1.%d: %v", c.Path, c.SinceMinor, err)
					}
				}
				objs, err := r.Objects()
				if err != nil {
					t.Fatal(err)
				}
				ps, err := val.Objects(objs, validate.Options{Cilium: v})
				if err != nil {
					t.Fatal(err)
				}
				if len(ps) == 0 {
					t.Fatalf("%s passes every check for Cilium %s, yet it needs 1.%d", c.Path, v, c.SinceMinor)
				}
				for _, p := range ps {
					t.Logf("%s", p)
				}
			})
		}
	}
}
