package app

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// agentCode are the packages of Cilium's agent and operator, and the test
// kit; Cilium's policy API types (allowedAPI), which the chart validation
// parses with, are allowed.
var agentCode = []string{
	"github.com/cilium/cilium/pkg/envoy",
	"github.com/cilium/cilium/pkg/policy",
	"github.com/cilium/cilium/pkg/crypto/certificatemanager",
	"github.com/cilium/cilium/pkg/fqdn/namemanager",
	"github.com/cilium/cilium/pkg/identity/cache",
	"github.com/cilium/cilium/pkg/ipcache",
	"github.com/cilium/cilium/daemon/",
	"github.com/cilium/cilium/operator/",
}

const allowedAPI = "github.com/cilium/cilium/pkg/policy/api"

// TestBinaryLinksNoAgentCode checks that neither the sandbox binary nor
// the scenarios' test binary links Cilium's agent or operator: the
// per-release helpers run them (sandbox/ciliumrun builds them on demand),
// so one module's k8s.io serves every release. The binary links no test
// kit either.
func TestBinaryLinksNoAgentCode(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	tests := []struct {
		name      string
		args      []string
		forbidden []string
	}{
		{name: "cmd/sandbox", args: []string{"list", "-deps", "github.com/cilium-tls-intercept/sandbox/cmd/sandbox"},
			forbidden: append(slices.Clone(agentCode), "github.com/cilium-tls-intercept/sandbox/scenarios/")},
		{name: "scenarios' tests", args: []string{"list", "-deps", "-test", "github.com/cilium-tls-intercept/sandbox/scenarios"},
			forbidden: agentCode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := exec.Command(goTool, tt.args...).CombinedOutput()
			if err != nil {
				t.Skipf("needs the go tool to list the packages: %v: %s", err, out)
			}
			pkgs := strings.Fields(string(out))
			for _, p := range pkgs {
				if linked := forbiddenPackage(p, tt.forbidden); linked != "" {
					t.Errorf("%s links %s", tt.name, p)
				}
			}
			if len(pkgs) < 100 {
				t.Fatalf("go %s listed %d packages: %s", strings.Join(tt.args, " "), len(pkgs), out)
			}
		})
	}
}

// forbiddenPackage returns the entry of forbidden that p is or is under,
// or "" (the policy API types are allowed).
func forbiddenPackage(p string, forbidden []string) string {
	if p == allowedAPI || strings.HasPrefix(p, allowedAPI+"/") {
		return ""
	}
	for _, f := range forbidden {
		if p == f || strings.HasPrefix(p, strings.TrimSuffix(f, "/")+"/") {
			return f
		}
	}
	return ""
}
