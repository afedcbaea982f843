package validate

import (
	"testing"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

func TestSANCoversName(t *testing.T) {
	cases := []struct {
		san, name string
		want      bool
	}{
		{"github.com", "github.com", true},
		{"GitHub.com.", "github.com", true},
		{"*.github.com", "api.github.com", true},
		{"*.github.com", "github.com", false},
		{"*.github.com", "a.b.github.com", false},
		{"*.amazonaws.com", "s3.eu-west-1.amazonaws.com", false},
		{"*.github.com", ".github.com", false},
		{"api.github.com", "github.com", false},
	}
	for _, c := range cases {
		t.Run(c.san+" "+c.name, func(t *testing.T) {
			if got := sanCoversName(c.san, c.name); got != c.want {
				t.Fatalf("sanCoversName(%q, %q) = %v, want %v", c.san, c.name, got, c.want)
			}
		})
	}
}

func TestSANCoversPattern(t *testing.T) {
	cases := []struct {
		san, pattern string
		want         bool
	}{
		{"*.github.com", "*.github.com", true},
		{"*.github.com", "api-*.github.com", true},
		{"*.github.com", "*.eu.github.com", false},
		{"*.github.com", "**.github.com", false},
		{"**.github.com", "**.github.com", false},
		{"github.com", "*.github.com", false},
		{"api.github.com", "*.github.com", false},
		{"*.com", "*", false},
		{"*.github.com", "*.gitlab.com", false},
	}
	for _, c := range cases {
		t.Run(c.san+" "+c.pattern, func(t *testing.T) {
			if got := sanCoversPattern(c.san, c.pattern); got != c.want {
				t.Fatalf("sanCoversPattern(%q, %q) = %v, want %v", c.san, c.pattern, got, c.want)
			}
		})
	}
}

func TestConstraintPermits(t *testing.T) {
	cases := []struct {
		constraint, name string
		want             bool
	}{
		{"github.com", "github.com", true},
		{"github.com", "api.github.com", true},
		{"github.com", "*.github.com", true},
		{"github.com", "notgithub.com", false},
		{".github.com", "github.com", false},
		{".github.com", "api.github.com", true},
		{"amazonaws.com", "s3.eu-west-1.amazonaws.com", true},
	}
	for _, c := range cases {
		t.Run(c.constraint+" "+c.name, func(t *testing.T) {
			if got := constraintPermits(c.constraint, c.name); got != c.want {
				t.Fatalf("constraintPermits(%q, %q) = %v, want %v", c.constraint, c.name, got, c.want)
			}
		})
	}
}

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
