package doctor

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cilium/cilium/pkg/policy/api"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// headerToken and rotatedToken are values of the test's header secret; no
// finding may show them.
const headerToken, rotatedToken = "Bearer doctor-test-token-3f9a", "Bearer doctor-rotated-71c2"

// withHeader makes the github policy of st set Authorization from secret
// ns/name (key token, as the chart's annotation says) and adds that
// Secret holding data, with the operator's copy when copied.
func withHeader(t *testing.T, st *State, ns, name string, data map[string][]byte, copied bool) {
	t.Helper()
	var p *api.Rule
	for i := range st.Policies {
		if st.Policies[i].Name == "intercept-tls-github" {
			p = st.Policies[i].Spec
			st.Policies[i].Annotations = map[string]string{ciliumtls.HeaderKeysAnnotation: `{"` + ns + "/" + name + `":"token"}`}
		}
	}
	if p == nil {
		t.Fatal("no policy intercept-tls-github in the state")
	}
	port := &p.Egress[0].ToPorts[0]
	port.Rules.HTTP[0].HeaderMatches = []*api.HeaderMatch{{Name: "Authorization", Mismatch: api.MismatchActionReplace,
		Secret: &api.Secret{Namespace: ns, Name: name}}}
	if data != nil {
		st.Secrets = append(st.Secrets, corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Data: data})
	}
	if copied {
		st.SyncedSecrets = append(st.SyncedSecrets, corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "cilium-secrets",
			Name:   ciliumtls.SyncedSecretName(versions.Cilium{Major: 1, Minor: 20}, ns, name),
			Labels: map[string]string{ciliumtls.OwningSecretNamespaceLabel: ns, ciliumtls.OwningSecretNameLabel: name}}, Data: data})
	}
}

// TestHeaderSecretsFindings changes the healthy states' github policy to
// set a header from a secret and expects the finding each change calls for.
func TestHeaderSecretsFindings(t *testing.T) {
	token := map[string][]byte{"token": []byte(headerToken)}
	cases := []struct {
		name, state string
		change      func(t *testing.T, st *State)
		wantStatus  Status
		wantReason  string
	}{
		{"no header", "healthy", func(*testing.T, *State) {}, StatusPass, "no policy sets a header from a secret"},
		{"one key, copied, over SDS", "healthy", func(t *testing.T, st *State) { withHeader(t, st, "cert-manager", "api-token", token, true) },
			StatusPass, "1 header(s) set from secrets, each readable with one key and a value"},
		{"secret missing", "healthy", func(t *testing.T, st *State) { withHeader(t, st, "cert-manager", "api-token", nil, false) },
			StatusFail, `header "Authorization" from secret cert-manager/api-token does not exist`},
		{"another key than the values name", "healthy",
			func(t *testing.T, st *State) {
				withHeader(t, st, "cert-manager", "api-token", map[string][]byte{"authorization": []byte(headerToken)}, true)
			},
			StatusFail, `cert-manager/api-token has no key "token", the key the chart's values name (it has "authorization")`},
		{"two keys", "healthy",
			func(t *testing.T, st *State) {
				withHeader(t, st, "cert-manager", "api-token", map[string][]byte{"token": []byte(headerToken), "user": []byte("x")}, true)
			},
			StatusFail, "has 2 keys (token, user)"},
		{"empty value", "healthy",
			func(t *testing.T, st *State) {
				withHeader(t, st, "cert-manager", "api-token", map[string][]byte{"token": {}}, true)
			},
			StatusFail, `has an empty value under "token"`},
		{"not copied", "healthy", func(t *testing.T, st *State) { withHeader(t, st, "cert-manager", "api-token", token, false) },
			StatusFail, `has no copy in "cilium-secrets": Envoy is told over SDS to use cilium-secrets/cilium-sync-secret-`},
		{"copy not yet rotated", "healthy",
			func(t *testing.T, st *State) {
				withHeader(t, st, "cert-manager", "api-token", token, true)
				st.Secrets[len(st.Secrets)-1].Data = map[string][]byte{"token": []byte(rotatedToken)}
			},
			StatusFail, "differs from its copy cilium-secrets/cilium-sync-secret-"},
		{"inside the secrets namespace under sync", "healthy", func(t *testing.T, st *State) { withHeader(t, st, "cilium-secrets", "api-token", token, false) },
			StatusFail, `cilium-secrets/api-token is inside "cilium-secrets", which Cilium's operator does not watch`},
		{"no namespace under sync", "healthy", func(t *testing.T, st *State) { withHeader(t, st, "", "api-token", token, false) },
			StatusFail, `"api-token" names no namespace: under secret sync Cilium does not default it`},
		{"inline on 1.16", "healthy-1.16", func(t *testing.T, st *State) { withHeader(t, st, "cilium-secrets", "api-token", token, false) },
			StatusWarn, "header secrets reach Envoy inline (Cilium 1.16 with tls.secretsBackend=k8s"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, err := DumpSource{Dir: filepath.Join(statesDir, c.state)}.Gather(context.Background(), Scope{})
			if err != nil {
				t.Fatal(err)
			}
			c.change(t, st)
			rep := Evaluate(st, Options{Now: fixedNow})
			f := rep.Finding("header-secrets")
			if f.Status != c.wantStatus || !strings.Contains(f.Reason, c.wantReason) {
				t.Fatalf("header-secrets = %s %q (evidence %q), want %s with %q", f.Status, f.Reason, f.Evidence, c.wantStatus, c.wantReason)
			}
			var text strings.Builder
			if err := rep.WriteTextWith(&text, TextOptions{AllEvidence: true}); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(text.String(), headerToken) || strings.Contains(text.String(), rotatedToken) {
				t.Errorf("the report shows the header secret's value:\n%s", text.String())
			}
		})
	}
}
