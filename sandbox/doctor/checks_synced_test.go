package doctor

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// TestSecretSyncedFindings changes the healthy 1.20 state's copies and
// expects the finding each change calls for.
func TestSecretSyncedFindings(t *testing.T) {
	github := ciliumtls.SyncedSecretName(versions.Cilium{Major: 1, Minor: 20}, "cert-manager", "intercept-github-tls")
	cases := []struct {
		name       string
		change     func(st *State)
		wantStatus Status
		wantReason string
	}{
		{name: "every copy there", change: func(*State) {}, wantStatus: StatusPass, wantReason: `copied every policy secret into "cilium-secrets"`},
		{name: "one copy missing", wantStatus: StatusFail,
			change:     func(st *State) { st.SyncedSecrets = dropSecret(st.SyncedSecrets, github) },
			wantReason: `terminatingTLS secret cert-manager/intercept-github-tls has no copy in "cilium-secrets": Envoy is told over SDS to use cilium-secrets/` + github},
		{name: "copy under the pre-1.20 name", wantStatus: StatusWarn,
			change: func(st *State) {
				c := st.syncedCopy("cilium-secrets", "cert-manager", "intercept-github-tls")
				c.Name = "cert-manager-intercept-github-tls"
			},
			wantReason: `not named "` + github + `", the name Cilium 1.20.2 gives Envoy`},
		{name: "copy holds the certificate before a renewal", wantStatus: StatusWarn,
			change: func(st *State) {
				c := st.syncedCopy("cilium-secrets", "cert-manager", "intercept-github-tls")
				c.Data = map[string][]byte{"tls.crt": []byte("old"), "tls.key": c.Data["tls.key"], "ca.crt": c.Data["ca.crt"]}
			},
			wantReason: "holds another certificate than cert-manager/intercept-github-tls"},
		{name: "copies not read", wantStatus: StatusUnread,
			change: func(st *State) {
				st.SyncedSecrets = nil
				st.markMissing(KindSyncedSecret, "not allowed to read secrets in cilium-secrets")
			},
			wantReason: "not allowed to read secrets in cilium-secrets"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, err := DumpSource{Dir: filepath.Join(statesDir, "healthy")}.Gather(context.Background(), Scope{})
			if err != nil {
				t.Fatal(err)
			}
			c.change(st)
			rep := Evaluate(st, Options{Now: fixedNow})
			f := rep.Finding("secret-synced")
			if f.Status != c.wantStatus || !strings.Contains(f.Reason, c.wantReason) {
				t.Fatalf("secret-synced = %s %q, want %s with %q", f.Status, f.Reason, c.wantStatus, c.wantReason)
			}
		})
	}
}

func dropSecret(in []corev1.Secret, name string) []corev1.Secret {
	var out []corev1.Secret
	for _, s := range in {
		if s.Name != name {
			out = append(out, s)
		}
	}
	return out
}

// TestDumpWithoutCopiesSkips: a dump made without the secrets namespace
// cannot say whether the copies exist, and says which kubectl adds them.
func TestDumpWithoutCopiesSkips(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(statesDir, "healthy")
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() || e.Name() == "synced-secrets.yaml" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := Run(context.Background(), DumpSource{Dir: dir}, Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	f := rep.Finding("secret-synced")
	if f.Status != StatusUnread || !strings.Contains(f.Reason, "kubectl get secrets -n cilium-secrets -l "+ciliumtls.OwningSecretNameLabel) {
		t.Fatalf("secret-synced = %s %q, want unread, naming the kubectl that dumps the copies", f.Status, f.Reason)
	}
}
