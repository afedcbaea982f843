package intercept

import (
	"testing"

	"github.com/cilium-tls-intercept/sandbox/sandbox/validate"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// expectedProblems lists the checks a values case is expected to fail
// offline, because it names objects that exist only in the user's cluster.
var expectedProblems = map[string][]string{
	// my-upstream-roots is the user's secret, not rendered by the chart.
	"existing-ca": {validate.CheckSecretSource},
}

// TestValidateValuesCases runs sandbox/validate (Cilium's Parse, the CRD
// schemas, cross-object checks) on every values case for every minor it
// supports; the scale case only for the newest minor, to save CPU.
func TestValidateValuesCases(t *testing.T) {
	cases, err := ValuesCases(fixturesDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		for _, v := range versions.DefaultReleases() {
			if !c.Supports(v) || (c.Name == "scale-1000" && v.Minor != versions.NewestMinor) {
				continue
			}
			t.Run(c.Name+"/"+v.MinorString(), func(t *testing.T) {
				objs := render(t, RenderOptions{CiliumVersion: v.String(), ValuesFiles: []string{c.Path}})
				problems, err := validate.Objects(objs, validate.Options{Cilium: v})
				if err != nil {
					t.Fatal(err)
				}
				seen := map[string]bool{}
				for _, p := range problems {
					seen[p.Check] = true
					if !contains(expectedProblems[c.Name], p.Check) {
						t.Errorf("%s", p)
					}
				}
				for _, check := range expectedProblems[c.Name] {
					if !seen[check] {
						t.Errorf("expected a %s problem for the user's objects, got none", check)
					}
				}
			})
		}
	}
}
