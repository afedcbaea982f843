package app

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestBinaryLinksNoAgentCode checks that the sandbox binary does not link
// Cilium's agent or operator, nor the test kit: only the scenarios' agent
// tier runs them (scenarios/kit/agent). Cilium's policy API types, which
// the chart validation parses with, are allowed.
func TestBinaryLinksNoAgentCode(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	out, err := exec.Command(goTool, "list", "-deps", "github.com/cilium-tls-intercept/sandbox/cmd/sandbox").CombinedOutput()
	if err != nil {
		t.Skipf("needs the go tool to list the binary's packages: %v: %s", err, out)
	}
	forbidden := []string{
		"github.com/cilium/cilium/pkg/envoy",
		"github.com/cilium/cilium/pkg/policy",
		"github.com/cilium/cilium/pkg/crypto/certificatemanager",
		"github.com/cilium/cilium/operator/",
		"github.com/cilium-tls-intercept/sandbox/scenarios/",
	}
	allowed := "github.com/cilium/cilium/pkg/policy/api"
	pkgs := strings.Fields(string(out))
	for _, p := range pkgs {
		if p == allowed || strings.HasPrefix(p, allowed+"/") {
			continue
		}
		for _, f := range forbidden {
			if p == f || strings.HasPrefix(p, strings.TrimSuffix(f, "/")+"/") {
				t.Errorf("cmd/sandbox links %s", p)
			}
		}
	}
	if len(pkgs) < 100 {
		t.Fatalf("go list -deps listed %d packages: %s", len(pkgs), out)
	}
}
