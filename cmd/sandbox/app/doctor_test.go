package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cilium-tls-intercept/sandbox/sandbox/doctor"
	"github.com/cilium-tls-intercept/sandbox/sandbox/pipeline"
)

func TestDoctorCommand(t *testing.T) {
	const states = "../../../fixtures/states/"
	emptyKubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(emptyKubeconfig, []byte("apiVersion: v1\nkind: Config\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	recordDir := filepath.Join(t.TempDir(), "recorded")
	unreachable := filepath.Join(t.TempDir(), "unreachable")
	if err := os.WriteFile(unreachable, []byte(`apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
contexts: [{name: c, context: {cluster: c, user: u}}]
current-context: c
users: [{name: u, user: {token: t}}]
`), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		args     []string
		code     int
		stdout   string
		stderr   string
		notInOut string
	}{
		{name: "healthy dump", args: []string{"doctor", "--from", states + "healthy"}, code: ExitOK,
			stdout: "root cause: none found; interception should be active", notInOut: "·"},
		{name: "failing dump", args: []string{"doctor", "--from", states + "l7-proxy-disabled"}, code: ExitFailed,
			stdout: "root cause: l7-proxy: the L7 proxy is disabled"},
		{name: "verbose lists passing evidence", args: []string{"doctor", "-v", "--from", states + "healthy"}, code: ExitOK,
			stdout: "· ConfigMap kube-system/cilium-config: enable-l7-proxy=\"true\""},
		{name: "json", args: []string{"doctor", "--from", states + "no-dns-rule", "-o", "json"}, code: ExitFailed,
			stdout: `"rootCause": "dns-rule"`},
		{name: "bad output", args: []string{"doctor", "--from", states + "healthy", "-o", "xml"}, code: ExitUsage,
			stderr: `invalid --output "xml": want text, json or yaml`},
		{name: "missing dump", args: []string{"doctor", "--from", states + "no-such-case"}, code: ExitUsage,
			stderr: "no-such-case"},
		{name: "empty dump", args: []string{"doctor", "--from", t.TempDir()}, code: ExitUsage,
			stderr: "holds no manifests", notInOut: "interception should be active"},
		{name: "several dumps", args: []string{"doctor", "--from", states}, code: ExitUsage,
			stderr: "holds several dumps", notInOut: "root cause"},
		{name: "two sources", args: []string{"doctor", "--from", states + "healthy", "--kubeconfig", "x"}, code: ExitUsage,
			stderr: "give one source"},
		{name: "record", args: []string{"doctor", "--from", states + "envoy-not-ready", "--record", recordDir}, code: ExitFailed,
			stdout: "root cause: envoy:"},
		{name: "recorded state reads back", args: []string{"doctor", "--from", recordDir}, code: ExitFailed,
			stdout: "root cause: envoy:"},
		{name: "unreachable cluster", args: []string{"doctor", "--kubeconfig", unreachable}, code: ExitUsage,
			stderr: "gather cluster state: read configmaps in kube-system"},
		{name: "kubeconfig without cluster", args: []string{"doctor", "--kubeconfig", emptyKubeconfig}, code: ExitUsage,
			stderr: "load kubeconfig"},
		{name: "help counts the checks", args: []string{"doctor", "--help"}, code: ExitOK,
			stdout: fmt.Sprintf("Run the doctor's %d checks", len(doctor.CheckIDs()))},
		{name: "data-path root cause", args: []string{"doctor", "--from", states + "envoy-old-serial"}, code: ExitFailed,
			stdout: "root cause: envoy-secrets: Envoy on node cilium-tls-intercept-worker serves serial 3b0f6c2e91d47a58c6e2f09b1d7a4c3e5f6a7b80"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := Main(c.args, strings.NewReader(""), &out, &errOut)
			if code != c.code {
				t.Fatalf("exit code %d, want %d; stdout:\n%s\nstderr:\n%s", code, c.code, out.String(), errOut.String())
			}
			if !strings.Contains(out.String(), c.stdout) {
				t.Errorf("stdout does not contain %q:\n%s", c.stdout, out.String())
			}
			if c.notInOut != "" && strings.Contains(out.String(), c.notInOut) {
				t.Errorf("stdout contains %q:\n%s", c.notInOut, out.String())
			}
			if !strings.Contains(errOut.String(), c.stderr) {
				t.Errorf("stderr does not contain %q:\n%s", c.stderr, errOut.String())
			}
			if strings.Contains(strings.Join(c.args, " "), "json") && c.code != ExitUsage {
				var v map[string]any
				if err := json.Unmarshal(out.Bytes(), &v); err != nil {
					t.Errorf("--output json is not JSON: %v", err)
				}
			}
		})
	}
}

// TestDoctorKubeconfigEnvEmpty: $KUBECONFIG naming an empty file is
// reported as such, not as $KUBECONFIG being unset.
func TestDoctorKubeconfigEnvEmpty(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv("HOME", t.TempDir())
	empty := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KUBECONFIG", empty)
	code, _, errOut := run("doctor")
	if code != ExitUsage || !strings.Contains(errOut, `$KUBECONFIG is "`+empty+`"`) || strings.Contains(errOut, "unset") {
		t.Fatalf("exit %d, stderr %q; want exit 2 naming the empty $KUBECONFIG file", code, errOut)
	}
}

func TestDoctorKubeconfig(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv("KUBECONFIG", "")
	if got := doctorKubeconfig(""); got != "" {
		t.Fatalf("without a sandbox kubeconfig: %q, want client-go's default", got)
	}
	if err := os.MkdirAll(filepath.Dir(pipeline.DefaultKubeconfig), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pipeline.DefaultKubeconfig, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if got := doctorKubeconfig(""); got != pipeline.DefaultKubeconfig {
		t.Fatalf("with %s present: %q", pipeline.DefaultKubeconfig, got)
	}
	if got := doctorKubeconfig("mine"); got != "mine" {
		t.Fatalf("flag: %q, want mine", got)
	}
	t.Setenv("KUBECONFIG", "/from/env")
	if got := doctorKubeconfig(""); got != "" {
		t.Fatalf("with KUBECONFIG set: %q, want the loading rules to use it", got)
	}
}
