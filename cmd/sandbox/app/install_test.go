package app

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/ciliumstate"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/hermetic"
)

// TestInstallCommand runs sandbox install against the hermetic control
// plane standing in for a cluster with Cilium 1.18 installed without the L7
// proxy: exit code 1 with the helm line that adds it; with
// --skip-cilium-check it installs anyway; uninstall takes it off.
func TestInstallCommand(t *testing.T) {
	ctx := context.Background()
	e := ciliumstate.StartExisting(t)
	v := versions.MustParseCilium("1.18")
	e.RunCilium(t, v, map[string]any{"l7Proxy": false})
	kube, dyn, cp := e.Kube, e.Dyn, e.CP
	// No pods run here: the chart goes in without its test workload, its
	// policies into a namespace of the test's.
	args := []string{"--kubeconfig", cp.KubeconfigPath, "--chart-cache", t.TempDir(),
		"--set", "workload.enabled=false", "--set", "caBundle.enabled=false", "--set", "workload.namespace=default"}

	code, out, errOut := run(append([]string{"install"}, args...)...)
	t.Logf("sandbox install (exit %d):\n%s%s", code, errOut, out)
	want := "helm upgrade cilium cilium/cilium --version 1.18.11 -n kube-system --reuse-values --set l7Proxy=true"
	if code != ExitFailed || !strings.Contains(out, want) || !strings.Contains(out, "✗ the L7 proxy") || !strings.Contains(errOut, "✗ cilium") {
		t.Fatalf("exit %d, want %d with %q", code, ExitFailed, want)
	}

	code, out, _ = run(append([]string{"install", "-o", "json"}, args...)...)
	var rep struct {
		CiliumVersion string `json:"ciliumVersion"`
		Cilium        struct{ Upgrade string }
		Steps         []struct {
			Name    string
			Seconds float64
			Error   string
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != ExitFailed || rep.Cilium.Upgrade != want || len(rep.Steps) != 1 || rep.Steps[0].Error == "" {
		t.Fatalf("install -o json: exit %d, %v, %+v", code, err, rep)
	}

	op, stop := context.WithCancel(ctx)
	defer stop()
	ciliumstate.StandInOperator(op, kube, dyn, v, hermetic.SecretsNamespace)
	code, out, errOut = run(append([]string{"install", "--skip-cilium-check"}, args...)...)
	t.Logf("sandbox install --skip-cilium-check (exit %d):\n%s%s", code, errOut, out)
	if code != ExitOK || !strings.Contains(out, "installed on context") {
		t.Fatalf("exit %d, want %d", code, ExitOK)
	}
	code, out, errOut = run(append([]string{"uninstall"}, args[:2]...)...)
	t.Logf("sandbox uninstall (exit %d):\n%s%s", code, errOut, out)
	if code != ExitOK || !strings.Contains(out, "left in the cluster:") {
		t.Fatalf("uninstall exit %d", code)
	}
}

func TestInstallCommandBadInput(t *testing.T) {
	dir := t.TempDir()
	kubeconfig := filepath.Join(dir, "kubeconfig")
	// An API server nobody listens on.
	cfg := "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: \"https://127.0.0.1:1\"}\ncontexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\nusers:\n- name: u\n  user: {token: x}\n"
	if err := os.WriteFile(kubeconfig, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"install", "-o", "xml"}, `invalid --output "xml": want text, json or yaml`},
		{[]string{"install", "--kubeconfig", kubeconfig}, "reach the cluster of context \"c\" (https://127.0.0.1:1)"},
		{[]string{"install", "--kubeconfig", filepath.Join(dir, "absent")}, "kubeconfig"},
		{[]string{"uninstall", "--kubeconfig", kubeconfig, "--context", "other"}, `context "other"`},
	} {
		code, _, errOut := run(c.args...)
		if code != ExitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d naming %q", c.args, code, errOut, ExitUsage, c.want)
		}
	}
}
