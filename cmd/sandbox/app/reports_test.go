package app

import (
	"encoding/json"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// TestVersion: version and --version name the build (its commit, or that
// it recorded none), the Go version and the Cilium releases sandbox/versions
// knows; -o json carries the same.
func TestVersion(t *testing.T) {
	code, text, _ := run("version")
	_, flag, _ := run("--version")
	if code != ExitOK || text != flag {
		t.Fatalf("version: exit %d\n%s\n--version:\n%s", code, text, flag)
	}
	want := []string{"sandbox ", "commit:  ", runtime.Version(), versions.DefaultCilium}
	for _, r := range versions.DefaultReleases() {
		want = append(want, r.String())
	}
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("version lacks %q:\n%s", w, text)
		}
	}
	_, js, _ := run("version", "-o", "json")
	var v versionInfo
	if err := json.Unmarshal([]byte(js), &v); err != nil || v.GoVersion != runtime.Version() || v.Commit == "" || len(v.Cilium.Releases) != len(versions.DefaultReleases()) {
		t.Fatalf("version -o json = %+v (%v)", v, err)
	}
	if v.CommitFrom == "" && (v.Commit != "unknown" || !strings.Contains(text, "recorded no commit")) {
		t.Errorf("a build without a commit must say so: %+v\n%s", v, text)
	}
}

// TestVersionStampedByMake: the commit make build stamps is used when the
// Go toolchain recorded none (GOFLAGS=-buildvcs=false).
func TestVersionStampedByMake(t *testing.T) {
	v := readVersion()
	if v.CommitFrom != "" {
		t.Skip("this test binary carries the Go toolchain's own VCS stamp")
	}
	buildCommit, buildModified = "0123456789abcdef", "true"
	t.Cleanup(func() { buildCommit, buildModified = "", "" })
	v = readVersion()
	if v.Commit != "0123456789abcdef" || !v.Modified || v.CommitFrom != "make build" || !strings.Contains(v.text(), "with uncommitted changes, from make build") {
		t.Fatalf("stamped version = %+v\n%s", v, v.text())
	}
}

// TestReportsWithoutDocker: down and status print a report in -o json and
// -o yaml even when no Docker daemon answers, and exit 2.
func TestReportsWithoutDocker(t *testing.T) {
	closedDocker(t)
	kc := filepath.Join(t.TempDir(), "kc")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"down", "-o", "json"}, `"name": "preflight"`},
		{[]string{"status", "-o", "json", "--kubeconfig", kc}, `"error": "no Docker daemon reachable`},
		{[]string{"status", "-o", "yaml", "--kubeconfig", kc}, "clusterName: cilium-tls-intercept"},
	} {
		code, out, _ := run(c.args...)
		if code != ExitUsage || !strings.Contains(out, c.want) {
			t.Errorf("%v: exit %d, stdout %q; want exit 2 and %q", c.args, code, out, c.want)
		}
	}
}

// TestSandboxOptionsEverywhere: up's options are taken by plan, status and
// down; those that shape only what up creates are noted where they change
// nothing, and --timeout is checked.
func TestSandboxOptionsEverywhere(t *testing.T) {
	closedDocker(t)
	code, _, errOut := run("down", "--cilium-version", "1.18")
	if code != ExitUsage || !strings.Contains(errOut, "note: --cilium-version shapes the sandbox up creates; down deletes the cluster named --cluster-name whatever it holds") {
		t.Errorf("down --cilium-version: exit %d, stderr %q", code, errOut)
	}
	code, _, errOut = run("status", "--cilium-version", "1.18", "--set", "a=b")
	if code != ExitUsage || strings.Contains(errOut, "--cilium-version shapes") || !strings.Contains(errOut, "note: --set shapes the sandbox up creates; status shows the cluster as it is") {
		t.Errorf("status --cilium-version --set: exit %d, stderr %q", code, errOut)
	}
	code, _, errOut = run("up", "--timeout", "-1m")
	if code != ExitUsage || !strings.Contains(errOut, "invalid --timeout -1m0s") {
		t.Errorf("up --timeout -1m: exit %d, stderr %q", code, errOut)
	}
}

// TestNoKubeconfigWordedAlike: install, uninstall and the doctor say in
// the same words what is missing when no kubeconfig is found.
func TestNoKubeconfigWordedAlike(t *testing.T) {
	home := t.TempDir()
	t.Chdir(t.TempDir())
	t.Setenv("HOME", home)
	t.Setenv("KUBECONFIG", "")
	want := "Error: no kubeconfig: $KUBECONFIG is unset and " + filepath.Join(home, ".kube", "config") + " does not exist or is empty; give --kubeconfig"
	for _, args := range [][]string{{"install"}, {"uninstall"}, {"doctor"}} {
		code, _, errOut := run(args...)
		if code != ExitUsage || !strings.HasPrefix(errOut, want) || strings.Contains(errOut, "KUBERNETES_MASTER") {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", args, code, errOut, want)
		}
	}
}
