package doctor

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cilium/cilium/pkg/policy/api"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestSelects(t *testing.T) {
	pod := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "intercept-workload", Labels: map[string]string{"app": "intercept-workload", "tier": "client"}}}
	cases := []struct {
		name, selector string
		want           bool
	}{
		{"plain label", `{"matchLabels":{"app":"intercept-workload"}}`, true},
		{"any: prefix", `{"matchLabels":{"any:app":"intercept-workload"}}`, true},
		{"k8s: namespace label", `{"matchLabels":{"k8s:io.kubernetes.pod.namespace":"intercept-workload","k8s:tier":"client"}}`, true},
		{"other namespace", `{"matchLabels":{"k8s:io.kubernetes.pod.namespace":"default"}}`, false},
		{"other label value", `{"matchLabels":{"app":"curl"}}`, false},
		{"expression", `{"matchExpressions":[{"key":"tier","operator":"In","values":["client","server"]}]}`, true},
		{"empty selects all", `{}`, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var es api.EndpointSelector
			if err := json.Unmarshal([]byte(c.selector), &es); err != nil {
				t.Fatal(err)
			}
			got, err := selects(es, pod)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Fatalf("selects(%s) = %t, want %t", c.selector, got, c.want)
			}
		})
	}
}

func TestParseFormat(t *testing.T) {
	for _, ok := range []string{"text", "json"} {
		if _, err := ParseFormat(ok); err != nil {
			t.Errorf("ParseFormat(%q): %v", ok, err)
		}
	}
	if _, err := ParseFormat("yaml"); err == nil || !strings.Contains(err.Error(), `"yaml"`) {
		t.Errorf("ParseFormat(yaml) error = %v, want it to name the value", err)
	}
}

func TestWriteReport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "artifacts", "doctor")
	rep, err := WriteReport(context.Background(), dir, DumpSource{Dir: filepath.Join(statesDir, "no-http-rule")}, Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	if rep.RootCause != "http-rule" {
		t.Fatalf("root cause = %q, want http-rule", rep.RootCause)
	}
	text, err := os.ReadFile(filepath.Join(dir, ReportTextFile))
	if err != nil || !strings.Contains(string(text), "root cause: http-rule:") {
		t.Fatalf("%s: %v\n%s", ReportTextFile, err, text)
	}
	var back Report
	js, err := os.ReadFile(filepath.Join(dir, ReportJSONFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(js, &back); err != nil || back.RootCause != "http-rule" || len(back.Findings) != len(CheckIDs()) {
		t.Fatalf("%s: %v, root cause %q, %d findings", ReportJSONFile, err, back.RootCause, len(back.Findings))
	}
	again, err := Run(context.Background(), DumpSource{Dir: filepath.Join(dir, StateDir)}, Options{Now: fixedNow})
	if err != nil || again.RootCause != "http-rule" {
		t.Fatalf("the recorded state/ gives root cause %v, %v; want http-rule", again, err)
	}

	bad := filepath.Join(t.TempDir(), "out")
	if _, err := WriteReport(context.Background(), bad, DumpSource{Dir: filepath.Join(t.TempDir(), "absent")}, Options{}); err == nil {
		t.Fatal("WriteReport over a missing dump succeeded")
	}
	text, err = os.ReadFile(filepath.Join(bad, ReportTextFile))
	if err != nil || !strings.Contains(string(text), "doctor could not run") {
		t.Fatalf("a doctor that could not run should say so in %s: %v %q", ReportTextFile, err, text)
	}
}

func TestDependentChecksSkip(t *testing.T) {
	rep := runDump(t, "l7-proxy-disabled")
	f := rep.Finding("envoy")
	if f.Status != StatusSkip || f.Reason != "not checked: l7-proxy failed" {
		t.Fatalf("envoy = %s %q, want skipped because l7-proxy failed", f.Status, f.Reason)
	}
}

func TestHandMadeSecretJudgedByItsCertificate(t *testing.T) {
	st, err := DumpSource{Dir: filepath.Join(statesDir, "byo-secret-san-missing")}.Gather(context.Background(), Scope{})
	if err != nil {
		t.Fatal(err)
	}
	later := func() time.Time { return time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC) }
	rep := Evaluate(st, Options{Scope: Scope{}.withDefaults(), Now: later})
	f := rep.Finding("certificates")
	want := "the tls.crt of secret cert-manager/intercept-github-tls (not written by cert-manager) expired at 2027-"
	if f.Status != StatusFail || !strings.Contains(strings.Join(f.Evidence, "\n"), want) {
		t.Fatalf("certificates = %s %q %q, want a failure with %q", f.Status, f.Reason, f.Evidence, want)
	}
}

// TestRecordedStateReadsBack writes each recorded state with WriteState and
// expects the same findings from the copy.
func TestRecordedStateReadsBack(t *testing.T) {
	for name := range rootCauses() {
		t.Run(name, func(t *testing.T) {
			st, err := DumpSource{Dir: filepath.Join(statesDir, name)}.Gather(context.Background(), Scope{})
			if err != nil {
				t.Fatal(err)
			}
			const material = "key material that must not be recorded"
			for _, list := range [][]corev1.Secret{st.Secrets, st.SyncedSecrets} {
				for i := range list {
					if _, ok := list[i].Data["tls.key"]; ok {
						list[i].Data["tls.key"] = []byte(material)
					}
				}
			}
			dir := t.TempDir()
			if err := WriteState(context.Background(), dir, st); err != nil {
				t.Fatal(err)
			}
			back, err := Run(context.Background(), DumpSource{Dir: dir}, Options{Now: fixedNow})
			if err != nil {
				t.Fatal(err)
			}
			want := runDump(t, name)
			back.Source = want.Source
			if !reflect.DeepEqual(back, want) {
				t.Fatalf("findings differ after recording:\n%s\nwant:\n%s", textOf(t, back), textOf(t, want))
			}
			secrets, err := os.ReadFile(filepath.Join(dir, "secrets.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(secrets), base64.StdEncoding.EncodeToString([]byte(material))) {
				t.Error("secrets.yaml keeps a private key value")
			}
			if !strings.Contains(string(secrets), base64.StdEncoding.EncodeToString([]byte(Redacted))) {
				t.Error("secrets.yaml has no redacted value")
			}
			if copies, err := os.ReadFile(filepath.Join(dir, "synced-secrets.yaml")); err == nil && strings.Contains(string(copies), base64.StdEncoding.EncodeToString([]byte(material))) {
				t.Error("synced-secrets.yaml keeps a private key value")
			}
		})
	}
}

func TestReadAnyNamespaceNeedsSecretsRBAC(t *testing.T) {
	st, err := DumpSource{Dir: filepath.Join(statesDir, "agent-log-tls-context-error")}.Gather(context.Background(), Scope{})
	if err != nil {
		t.Fatal(err)
	}
	st.ClusterRoles[0].Rules = []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get"}}}
	rep := Evaluate(st, Options{Now: fixedNow})
	if f := rep.Finding("secrets-mode"); rep.RootCause != "secrets-mode" || !strings.Contains(f.Reason, "ClusterRole cannot read secrets") {
		t.Fatalf("root cause %q, secrets-mode %q; want secrets-mode naming the ClusterRole", rep.RootCause, f.Reason)
	}
}

func TestSkipsFollowTheFailureTransitively(t *testing.T) {
	st, err := DumpSource{Dir: filepath.Join(statesDir, "healthy")}.Gather(context.Background(), Scope{})
	if err != nil {
		t.Fatal(err)
	}
	st.DaemonSets = st.DaemonSets[1:] // only cilium-envoy is left
	rep := Evaluate(st, Options{Now: fixedNow})
	for _, id := range []string{"l7-proxy", "envoy", "secrets-mode", "secret-location", "endpoints-managed"} {
		if f := rep.Finding(id); f.Status != StatusSkip || f.Reason != "not checked: cilium-agents failed" {
			t.Errorf("%s = %s %q, want skipped because cilium-agents failed", id, f.Status, f.Reason)
		}
	}
	if rep.RootCause != "cilium-agents" {
		t.Errorf("root cause = %q, want cilium-agents", rep.RootCause)
	}
}

// TestAgentLogMarkers feeds the log lines Cilium's agents print, in the
// logrus format of 1.16 and 1.17 and the slog format of 1.18 and later, to
// the agent-logs check.
func TestAgentLogMarkers(t *testing.T) {
	cases := []struct {
		name, line string
		fail       bool
	}{
		{"1.20 TLS context", `time=2026-11-26T08:04:31.209Z level=warn source=/go/src/github.com/cilium/cilium/pkg/policy/l4.go:955 msg="policy: Error getting TLS Context" module=agent.controlplane.policy error="secrets \"intercept-github-tls\" not found" trafficDirection=terminating`, true},
		{"1.16 TLS context", `level=warning msg="policy: Error getting TLS Context" error="secrets \"intercept-github-tls\" is forbidden: User \"system:serviceaccount:kube-system:cilium\" cannot get resource \"secrets\"" subsys=policy`, true},
		{"1.17 endpoint regeneration", `level=error msg="endpoint regeneration failed" ciliumEndpointName=cilium-test-5/client-59476dbc54-bg5jw endpointID=534 error="unable to regenerate policy for '534': secrets \"externaltarget-tls\" not found" subsys=endpoint`, true},
		{"1.20 endpoint regeneration", `time=2026-11-26T08:05:04.611Z level=error msg="Endpoint regeneration failed" module=agent.controlplane.endpoint-manager endpointID=1283 error="failed fetching policy computation result: Terminating TLS context is missing certs."`, true},
		{"1.20 regeneration warning", `time=2026-11-26T08:05:04.610Z level=warn msg="Regeneration of endpoint failed" module=agent.controlplane.endpoint-manager endpointID=1283`, true},
		{"1.20 initial policy", `time=2026-11-26T08:05:04.611Z level=warn msg="unable to regenerate initial policy" endpointID=1283`, true},
		{"successful regeneration", `time=2026-11-26T08:05:04.518Z level=info msg="Rewrote endpoint BPF program" endpointID=1283`, false},
		{"cancelled regeneration", `time=2026-11-26T08:05:04.518Z level=debug msg="Regeneration failed due to cancellation" endpointID=1283`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := checkAgentLogs(&env{st: &State{AgentLogs: []AgentLog{{Pod: "cilium-abc", Text: c.line + "\n"}}}})
			if got := f.Status == StatusFail; got != c.fail {
				t.Errorf("agent-logs on %q = %s (%s), want fail=%v", c.line, f.Status, f.Reason, c.fail)
			}
		})
	}
}
