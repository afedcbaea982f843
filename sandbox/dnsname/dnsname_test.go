package dnsname

import (
	"strings"
	"testing"
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
			if got := SANCoversName(c.san, c.name); got != c.want {
				t.Fatalf("SANCoversName(%q, %q) = %v, want %v", c.san, c.name, got, c.want)
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
			if got := SANCoversPattern(c.san, c.pattern); got != c.want {
				t.Fatalf("SANCoversPattern(%q, %q) = %v, want %v", c.san, c.pattern, got, c.want)
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
			if got := ConstraintPermits(c.constraint, c.name); got != c.want {
				t.Fatalf("ConstraintPermits(%q, %q) = %v, want %v", c.constraint, c.name, got, c.want)
			}
		})
	}
}

func TestCoveredBy(t *testing.T) {
	cases := []struct {
		name string
		sans []string
		want bool
	}{
		{"github.com", []string{"github.com"}, true},
		{"github.com", []string{"*.github.com"}, false},
		{"api.github.com", []string{"*.github.com"}, true},
		{"a.b.github.com", []string{"*.github.com"}, false},
		{"*.github.com", []string{"*.github.com"}, true},
		{"*.github.com", []string{"api.github.com"}, false},
		{"api-*.github.com", []string{"*.github.com"}, true},
		{"**.github.com", []string{"*.github.com", "**.github.com"}, false},
		{"s3.eu-west-1.amazonaws.com", []string{"*.amazonaws.com"}, false},
		{"API.GitHub.com", []string{"*.github.com"}, true},
	}
	for _, c := range cases {
		t.Run(c.name+" by "+strings.Join(c.sans, ","), func(t *testing.T) {
			if got := Covered(c.name, c.sans); got != c.want {
				t.Fatalf("Covered(%q, %q) = %t, want %t", c.name, c.sans, got, c.want)
			}
		})
	}
}
