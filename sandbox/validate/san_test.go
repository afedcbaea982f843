package validate

import (
	"testing"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

func TestServerNameProblem(t *testing.T) {
	cases := []struct {
		version, name string
		wantProblem   bool
	}{
		{"1.16", "api.github.com", false},
		{"1.16", "*.github.com", true},
		{"1.17", "*.github.com", true},
		{"1.18", "*.github.com", false},
		{"1.18", "**.github.com", false},
		{"1.18", "api-*.github.com", true},
		{"1.19", "*.*.github.com", true},
		{"1.20", "api-*.github.com", false},
	}
	for _, c := range cases {
		t.Run(c.version+" "+c.name, func(t *testing.T) {
			msg := serverNameProblem(c.name, versions.MustParseCilium(c.version))
			if (msg != "") != c.wantProblem {
				t.Fatalf("serverNameProblem(%q, %s) = %q, want problem %v", c.name, c.version, msg, c.wantProblem)
			}
		})
	}
}
