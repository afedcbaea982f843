package doctor

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// loadState reads a recorded state for a test to change.
func loadState(t *testing.T, name string) *State {
	t.Helper()
	st, err := DumpSource{Dir: filepath.Join(statesDir, name)}.Gather(context.Background(), Scope{})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestAgentLogsBefore118: the 1.16 and 1.17 agents log "policy: Error
// getting terminating TLS Context." (pkg/policy/l4.go getCerts), which the
// 1.18+ wording "Error getting TLS Context" does not match.
func TestAgentLogsBefore118(t *testing.T) {
	for _, line := range []string{
		`level=warning msg="policy: Error getting terminating TLS Context." error="secrets \"intercept-github-tls\" not found" subsys=policy`,
		`level=warning msg="policy: Error getting originating TLS Context." error="secrets \"intercept-upstream-ca\" not found" subsys=policy`,
	} {
		st := loadState(t, "healthy-1.16")
		st.AgentLogs = append(st.AgentLogs, AgentLog{Pod: "kube-system/cilium-x", Text: line})
		f := Evaluate(st, Options{Now: fixedNow}).Finding("agent-logs")
		if f.Status != StatusFail || len(f.Evidence) == 0 || !strings.Contains(f.Evidence[0], "TLS Context.") {
			t.Errorf("agent-logs on 1.16 with %q = %s %q %v, want a failure quoting it", line, f.Status, f.Reason, f.Evidence)
		}
	}
}

// TestSecretWithoutNamespaceUnderSync: under secret sync Cilium keeps a
// reference's empty namespace, so nothing is copied. The doctor names the
// empty namespace as the cause, and does not blame the operator for the
// copy that never comes.
func TestSecretWithoutNamespaceUnderSync(t *testing.T) {
	st := loadState(t, "healthy")
	for _, r := range st.rules() {
		for i := range r.Rule.Egress {
			for j := range r.Rule.Egress[i].ToPorts {
				if tls := r.Rule.Egress[i].ToPorts[j].TerminatingTLS; tls != nil && tls.Secret.Name == "intercept-github-tls" {
					tls.Secret.Namespace = ""
				}
			}
		}
	}
	rep := Evaluate(st, Options{Now: fixedNow})
	loc := rep.Finding("secret-location")
	if loc.Status != StatusFail || !strings.Contains(loc.Reason, `secret "intercept-github-tls" names no namespace: under secret sync Cilium does not default it`) {
		t.Fatalf("secret-location = %s %q, want the empty namespace named as the cause", loc.Status, loc.Reason)
	}
	if rep.RootCause != "secret-location" {
		t.Errorf("root cause = %q, want secret-location", rep.RootCause)
	}
	synced := rep.Finding("secret-synced")
	if strings.Contains(synced.Reason, "intercept-github-tls") {
		t.Errorf("secret-synced blames the operator for a reference it never copies: %s %q", synced.Status, synced.Reason)
	}
}

// TestFullTLSContextOnlyInline: use-full-tls-context matters only when
// secrets go inline; under SDS Cilium ignores it (pkg/envoy/model.go).
func TestFullTLSContextOnlyInline(t *testing.T) {
	cases := []struct {
		state string
		want  Status
	}{
		{"healthy", StatusPass},      // 1.20 with SDS: ignored
		{"healthy-1.16", StatusFail}, // inline: Envoy demands client certificates
	}
	for _, c := range cases {
		t.Run(c.state, func(t *testing.T) {
			st := loadState(t, c.state)
			cm := st.configMap("kube-system", ciliumConfig)
			if cm == nil {
				t.Fatal("no cilium-config in the state")
			}
			cm.Data["use-full-tls-context"] = "true"
			f := Evaluate(st, Options{Now: fixedNow}).Finding("secret-keys")
			if f.Status != c.want {
				t.Fatalf("secret-keys with use-full-tls-context=true = %s %q, want %s", f.Status, f.Reason, c.want)
			}
		})
	}
}
