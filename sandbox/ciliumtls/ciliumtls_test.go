package ciliumtls

import (
	"slices"
	"strings"
	"testing"

	"github.com/cilium/cilium/pkg/policy/api"
	syncnames "github.com/cilium/cilium/pkg/secretsync/names"
	"k8s.io/apimachinery/pkg/types"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

func TestModeByRelease(t *testing.T) {
	cases := map[string]Mode{
		"1.16.19": ModeK8sBackend, "1.17.0": ModeNamespaceSync, "1.17.17": ModeNamespaceSync, "1.18.11": ModeNamespaceSync,
		"1.19.7": ModeNamespaceSync, "1.20.2": ModeNamespaceSync,
	}
	for release, want := range cases {
		if got := ModeOf(versions.MustParseCilium(release)); got != want {
			t.Errorf("ModeOf(%s) = %s, want %s", release, got, want)
		}
	}
}

func TestConfigFrom(t *testing.T) {
	cases := []struct {
		data map[string]string
		want Config
		sds  bool
	}{
		{map[string]string{ConfigReadOnly: "true", ConfigSync: "true", ConfigNamespace: "cilium-secrets"}, Config{true, true, "cilium-secrets"}, true},
		{map[string]string{ConfigReadOnly: "true", ConfigSync: "false", ConfigNamespace: "cilium-secrets"}, Config{true, false, "cilium-secrets"}, false},
		// Cilium syncs only in read-only mode.
		{map[string]string{ConfigReadOnly: "false", ConfigSync: "true", ConfigNamespace: "cilium-secrets"}, Config{false, false, "cilium-secrets"}, false},
		{map[string]string{ConfigReadOnly: "true", ConfigSync: "true"}, Config{true, true, ""}, false},
	}
	for _, c := range cases {
		got := ConfigFrom(c.data)
		if got != c.want || got.SDS() != c.sds {
			t.Errorf("ConfigFrom(%v) = %+v (SDS %v), want %+v (SDS %v)", c.data, got, got.SDS(), c.want, c.sds)
		}
	}
}

func TestRequiredKeys(t *testing.T) {
	plain := &api.TLSContext{}
	named := &api.TLSContext{Certificate: "cert.pem", PrivateKey: "key.pem", TrustedCA: "roots.pem"}
	cases := []struct {
		dir  Direction
		ctx  *api.TLSContext
		sds  bool
		want []string
	}{
		{Terminating, plain, false, []string{"tls.crt", "tls.key"}},
		{Originating, plain, false, []string{"ca.crt"}},
		{Terminating, named, false, []string{"cert.pem", "key.pem", "roots.pem"}},
		{Originating, named, false, []string{"roots.pem", "cert.pem", "key.pem"}},
		// Over SDS the copy is converted by fixed key names.
		{Terminating, named, true, []string{"tls.crt", "tls.key"}},
		{Originating, named, true, []string{"ca.crt"}},
	}
	for _, c := range cases {
		if got := RequiredKeys(c.dir, c.ctx, c.sds); !slices.Equal(got, c.want) {
			t.Errorf("RequiredKeys(%s, %+v, sds=%v) = %v, want %v", c.dir, c.ctx, c.sds, got, c.want)
		}
	}
	if got := ForbiddenUnderSync(Originating); !slices.Equal(got, []string{"tls.crt", "tls.key"}) {
		t.Errorf("ForbiddenUnderSync(originating) = %v", got)
	}
	if got := ForbiddenUnderSync(Terminating); got != nil {
		t.Errorf("ForbiddenUnderSync(terminating) = %v, want none", got)
	}
}

// TestSyncedSecretNameMatchesCilium compares the copy's name with Cilium's
// own naming: the legacy "<ns>-<name>" up to 1.19.5, the hash from 1.19.6
// (row K10: 1.19.5's operator names the copy req.Namespace + "-" + req.Name,
// 1.19.6's calls syncnames.SyncedSecretName).
func TestSyncedSecretNameMatchesCilium(t *testing.T) {
	src := types.NamespacedName{Namespace: "cert-manager", Name: "intercept-github-tls"}
	cases := map[string]string{
		"1.17.17": syncnames.LegacySyncedSecretName(src),
		"1.18.11": syncnames.LegacySyncedSecretName(src),
		"1.19.5":  syncnames.LegacySyncedSecretName(src),
		"1.19.6":  syncnames.SyncedSecretName(src),
		"1.19.7":  syncnames.SyncedSecretName(src),
		"1.20.2":  syncnames.SyncedSecretName(src),
	}
	for release, want := range cases {
		if got := SyncedSecretName(versions.MustParseCilium(release), src.Namespace, src.Name); got != want {
			t.Errorf("SyncedSecretName(%s) = %q, want %q", release, got, want)
		}
	}
	if got, want := SDSSecretName(versions.MustParseCilium("1.20.2"), "cilium-secrets", src.Namespace, src.Name),
		syncnames.SyncedSDSSecretName("cilium-secrets", src); got != want {
		t.Errorf("SDSSecretName = %q, want Cilium's %q", got, want)
	}
}

func TestResolveNamespace(t *testing.T) {
	cases := []struct {
		secretNS, policyNS string
		sync               bool
		want               string
	}{
		{"cert-manager", "app", true, "cert-manager"},
		{"cert-manager", "app", false, "cert-manager"},
		{"", "app", false, "app"}, // the certificate manager defaults it inline
		{"", "app", true, ""},     // kept empty under sync: never copied
		{"", "", false, ""},       // clusterwide: nothing to default to
	}
	for _, c := range cases {
		if got := ResolveNamespace(c.secretNS, c.policyNS, c.sync); got != c.want {
			t.Errorf("ResolveNamespace(%q, %q, sync=%v) = %q, want %q", c.secretNS, c.policyNS, c.sync, got, c.want)
		}
	}
}

func TestRuleSecrets(t *testing.T) {
	pr := api.PortRule{
		TerminatingTLS: &api.TLSContext{Secret: &api.Secret{Name: "leaf"}},
		OriginatingTLS: &api.TLSContext{Secret: &api.Secret{Namespace: "trust", Name: "roots"}},
		Rules:          &api.L7Rules{HTTP: []api.PortRuleHTTP{{}}},
	}
	rules := api.Rules{{Egress: []api.EgressRule{{ToPorts: api.PortRules{pr, pr}}}}}
	got := RuleSecrets(rules, "app", false)
	if len(got) != 2 || got[0].String() != "app/leaf" || got[0].Direction != Terminating || got[1].String() != "trust/roots" {
		t.Fatalf("RuleSecrets = %v, want app/leaf then trust/roots, once each", got)
	}
	if got := RuleSecrets(rules, "app", true); got[0].String() != "/leaf" {
		t.Fatalf("under sync the terminating secret resolves to %q, want the empty namespace kept", got[0])
	}
	if !ParsesHTTP(&pr) || !SendsToEnvoy(&pr) {
		t.Fatal("a port with rules.http [{}] and TLS contexts parses HTTP and goes to Envoy")
	}
	bare := api.PortRule{ServerNames: []api.ServerName{"api.github.com"}}
	if ParsesHTTP(&bare) || !SendsToEnvoy(&bare) {
		t.Fatal("serverNames alone send the port to Envoy without HTTP parsing")
	}
}

func TestReleaseTexts(t *testing.T) {
	v116, v117, v118 := versions.MustParseCilium("1.16.19"), versions.MustParseCilium("1.17.17"), versions.MustParseCilium("1.18.11")
	if !strings.Contains(RenewalDelivery(v116), "inline") || !strings.Contains(RenewalDelivery(v117), "SDS") {
		t.Errorf("RenewalDelivery: 1.16 %q, 1.17 %q", RenewalDelivery(v116), RenewalDelivery(v117))
	}
	// The operator's requeue arrived in 1.18.5 (row K8), not in 1.18.0.
	for _, c := range []struct {
		v      string
		hourly bool
	}{{"1.16.19", false}, {"1.17.17", false}, {"1.18.0", false}, {"1.18.4", false}, {"1.18.5", true}, {"1.18.11", true}, {"1.19.0", true}, {"1.20.2", true}} {
		v := versions.MustParseCilium(c.v)
		if Resyncs(v) != c.hourly || strings.Contains(RenewalDelivery(v), "hourly") != c.hourly {
			t.Errorf("%s: Resyncs %v, RenewalDelivery %q; want hourly %v", c.v, Resyncs(v), RenewalDelivery(v), c.hourly)
		}
		if c.v != "1.16.19" && strings.Contains(UnwatchedRenewal(v), "hourly") != c.hourly {
			t.Errorf("%s: UnwatchedRenewal %q, want hourly %v", c.v, UnwatchedRenewal(v), c.hourly)
		}
	}
	if got, want := UnwatchedRenewal(versions.MustParseCilium("1.18.4")), "Cilium 1.18.4's operator never requeues its copies: known bug K8 (cilium/cilium#42414), fixed in 1.18.5"; !strings.Contains(got, want) {
		t.Errorf("UnwatchedRenewal(1.18.4) = %q, want it to say %q", got, want)
	}
	if got := TLSContextErrorLogs(v117); !slices.Contains(got, "policy: Error getting terminating TLS Context.") {
		t.Errorf("TLSContextErrorLogs(1.17) = %v", got)
	}
	if got := TLSContextErrorLogs(v118); !slices.Equal(got, []string{"policy: Error getting TLS Context"}) {
		t.Errorf("TLSContextErrorLogs(1.18) = %v", got)
	}
}

func TestPolicySecrets(t *testing.T) {
	policy := map[string]any{
		"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy",
		"metadata": map[string]any{"name": "p", "namespace": "apps"},
		"specs": []any{map[string]any{
			"endpointSelector": map[string]any{},
			"egress": []any{map[string]any{"toPorts": []any{map[string]any{
				"ports":          []any{map[string]any{"port": "443", "protocol": "TCP"}},
				"terminatingTLS": map[string]any{"secret": map[string]any{"name": "local"}},
				"originatingTLS": map[string]any{"secret": map[string]any{"namespace": "cert-manager", "name": "upstream"}},
			}}}},
		}},
	}
	for _, c := range []struct {
		sync bool
		want []string
	}{
		{false, []string{"apps/local", "cert-manager/upstream"}}, // inline: the policy's namespace
		{true, []string{"/local", "cert-manager/upstream"}},      // sync: kept empty
	} {
		refs, err := PolicySecrets(policy, c.sync)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range refs {
			got = append(got, r.String())
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("PolicySecrets(sync=%v) = %v, want %v", c.sync, got, c.want)
		}
	}
}
