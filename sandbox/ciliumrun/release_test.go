package ciliumrun

import (
	"strings"
	"testing"

	"golang.org/x/mod/modfile"
)

// TestReleaseGoMod checks the go.mod written for a non-default patch: only
// Cilium's and the wire module's requirements, the wire replace, and
// Cilium's own replaces repeated only for the modules the default patch's
// go.mod.in replaces too (a fork the proxy refuses stays out).
func TestReleaseGoMod(t *testing.T) {
	ours := mustParse(t, `module ciliumhelper
go 1.25.0
require (
	github.com/cilium-tls-intercept/sandbox v0.0.0
	github.com/cilium/cilium v1.18.11
	k8s.io/api v0.33.13
)
replace github.com/cilium-tls-intercept/sandbox => ./wiremod
replace k8s.io/apimachinery => github.com/cilium/apimachinery v0.33.3-1
replace github.com/osrg/gobgp/v3 => github.com/cilium/gobgp/v3 v3.0.0-20250717193620-26a4abb75464
`)
	theirs := mustParse(t, `module github.com/cilium/cilium
go 1.25.1
require k8s.io/api v0.33.2
replace k8s.io/apimachinery => github.com/cilium/apimachinery v0.33.2-1
replace github.com/osrg/gobgp/v3 => github.com/cilium/gobgp/v3 v3.0.0-20250101000000-aaaaaaaaaaaa
replace sigs.k8s.io/something => github.com/cilium/something v1.0.0
`)
	out, err := releaseGoMod(ours, theirs, "v1.18.6")
	if err != nil {
		t.Fatal(err)
	}
	got := mustParse(t, string(out))
	if got.Go.Version != "1.25.1" {
		t.Errorf("go %s, want the newer of both, 1.25.1", got.Go.Version)
	}
	if len(got.Require) != 2 || requiredVersion(got, ciliumModule) != "v1.18.6" || requiredVersion(got, mainModulePath) != "v0.0.0" {
		t.Errorf("requires %v", got.Require)
	}
	replaced := map[string]string{}
	for _, r := range got.Replace {
		replaced[r.Old.Path] = r.New.Path + " " + r.New.Version
	}
	want := map[string]string{
		mainModulePath:             "./wiremod ",
		"k8s.io/apimachinery":      "github.com/cilium/apimachinery v0.33.2-1",
		"github.com/osrg/gobgp/v3": "github.com/cilium/gobgp/v3 v3.0.0-20250101000000-aaaaaaaaaaaa",
	}
	for k, v := range want {
		if strings.TrimSpace(replaced[k]) != strings.TrimSpace(v) {
			t.Errorf("replace %s => %q, want %q", k, replaced[k], v)
		}
	}
	if len(replaced) != len(want) {
		t.Errorf("replaces %v, want %v", replaced, want)
	}
}

func mustParse(t *testing.T, text string) *modfile.File {
	t.Helper()
	f, err := modfile.Parse("go.mod", []byte(text), nil)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
