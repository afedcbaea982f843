package intercept

import (
	"testing"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
	"github.com/cilium-tls-intercept/sandbox/sandbox/validate"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// externalSecrets are the user's secrets a values case names but the chart
// does not render, with the keys they hold, for Cilium release v.
func externalSecrets(name string, v versions.Cilium) map[string][]string {
	if name == "secret-headers" {
		return map[string][]string{
			TLSSecretsNamespace(v) + "/github-token":          {"token"},
			TLSSecretsNamespace(v) + "/github-request-source": {"source"},
		}
	}
	if name != "existing-ca" {
		return nil
	}
	return map[string][]string{
		TLSSecretsNamespace(v) + "/my-upstream-roots": {"ca.crt"},
		"cert-manager/my-ca":                          {"tls.crt", "tls.key"},
	}
}

// TestValidateValuesCases runs sandbox/validate (Cilium's Parse, the CRD
// schemas, cross-object checks) on every values case for every minor it
// supports; the scale case only for the newest minor, to save CPU.
func TestValidateValuesCases(t *testing.T) {
	cases, err := ValuesCases(fixturesDir)
	if err != nil {
		t.Fatal(err)
	}
	val := validate.NewValidator() // compiles each CRD schema once for all cases
	for _, c := range cases {
		for _, v := range versions.DefaultReleases() {
			if !c.Supports(v) || (c.Name == "scale-1000" && v.Minor != versions.NewestMinor) {
				continue
			}
			t.Run(c.Name+"/"+v.MinorString(), func(t *testing.T) {
				objs := render(t, RenderOptions{Cilium: v, ValuesFiles: []string{c.Path}})
				problems, err := val.Objects(objs, validate.Options{Cilium: v, ExternalSecrets: externalSecrets(c.Name, v), WithoutSecretSync: c.Name == "read-only-no-sync"})
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range problems {
					if p.Check == validate.CheckHeaderRotation && ciliumtls.ModeOf(v) == ciliumtls.ModeK8sBackend {
						continue // expected: header values go inline before 1.17
					}
					if p.Check == validate.CheckKnownBug && p.Severity == validate.Warning {
						t.Logf("expected on Cilium %s: %s", v, p) // a release's known bug, not invalid values
						continue
					}
					t.Errorf("%s", p)
				}
			})
		}
	}
}

// TestValidateSeesMissingSecrets proves the validation above can fail: the
// existing-ca case without its external secrets must be reported.
func TestValidateSeesMissingSecrets(t *testing.T) {
	objs := render(t, RenderOptions{ValuesFiles: []string{fixturesDir + "/existing-ca.yaml"}})
	problems, err := validate.Objects(objs, validate.Options{Cilium: versions.MustParseCilium(versions.DefaultCilium)})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if p.Check == validate.CheckSecretSource {
			return
		}
	}
	t.Fatalf("no %s problem for the user's missing upstream trust secret; got %v", validate.CheckSecretSource, problems)
}
