package intercept

import (
	"encoding/json"
	"reflect"
	"testing"

	ciliumv2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	"github.com/cilium/cilium/pkg/policy/api"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// githubHTTPRules decodes the github group's rendered HTTP rules into
// Cilium's type, as the agent reads them.
func githubHTTPRules(t *testing.T, opts RenderOptions) (api.PortRulesHTTP, map[string]string) {
	t.Helper()
	o := find(render(t, opts), "CiliumNetworkPolicy", PolicyName("github"))
	if o == nil {
		t.Fatal("no github policy rendered")
	}
	data, err := json.Marshal(o.Object)
	if err != nil {
		t.Fatal(err)
	}
	var cnp ciliumv2.CiliumNetworkPolicy
	if err := json.Unmarshal(data, &cnp); err != nil {
		t.Fatal(err)
	}
	return cnp.Spec.Egress[0].ToPorts[0].Rules.HTTP, ciliumtls.HeaderKeys(cnp.Annotations)
}

func match(name, ns, secret string, action api.MismatchAction) *api.HeaderMatch {
	return &api.HeaderMatch{Name: name, Mismatch: action, Secret: &api.Secret{Namespace: ns, Name: secret}}
}

// TestSecretHeadersRender: each header of intercept.<group>.secretHeaders
// becomes a headerMatches entry (secret in the TLS secrets namespace of the
// release, REPLACE by default, ADD on request) on exactly the HTTP rules it
// applies to; the HTTP rules' allow list is unchanged; the key the values
// name goes into the policy's annotation, never a value.
func TestSecretHeadersRender(t *testing.T) {
	all := map[string]any{"name": "Authorization", "secret": map[string]any{"name": "github-token", "key": "token"}}
	onUser := map[string]any{"name": "X-Source", "action": "add", "secret": map[string]any{"name": "src", "key": "v"},
		"http": []any{map[string]any{"method": "GET", "path": "/user"}}}
	rules := []any{map[string]any{"method": "GET", "path": "/meta"}, map[string]any{"method": "GET", "path": "/user"}}
	cases := []struct {
		name    string
		version string
		values  map[string]any
		want    api.PortRulesHTTP
	}{
		{"every request, no HTTP rules, 1.20", "1.20", secretHeaders(all),
			api.PortRulesHTTP{{HeaderMatches: []*api.HeaderMatch{match("Authorization", "cert-manager", "github-token", api.MismatchActionReplace)}}}},
		{"every request, no HTTP rules, 1.16", "1.16", secretHeaders(all),
			api.PortRulesHTTP{{HeaderMatches: []*api.HeaderMatch{match("Authorization", "cilium-secrets", "github-token", api.MismatchActionReplace)}}}},
		{"only GET /user, no HTTP rules: allow all plus the header's rule", "1.20", secretHeaders(onUser),
			api.PortRulesHTTP{{}, {Method: "GET", Path: "/user", HeaderMatches: []*api.HeaderMatch{match("X-Source", "cert-manager", "src", api.MismatchActionAdd)}}}},
		{"with HTTP rules: every rule, and the named one", "1.20",
			mergeMaps(secretHeaders(all, onUser), map[string]any{"intercept": map[string]any{"github": map[string]any{"http": rules}}}),
			api.PortRulesHTTP{
				{Method: "GET", Path: "/meta", HeaderMatches: []*api.HeaderMatch{match("Authorization", "cert-manager", "github-token", api.MismatchActionReplace)}},
				{Method: "GET", Path: "/user", HeaderMatches: []*api.HeaderMatch{
					match("Authorization", "cert-manager", "github-token", api.MismatchActionReplace),
					match("X-Source", "cert-manager", "src", api.MismatchActionAdd)}},
			}},
		{"read-only without sync on 1.18", "1.18",
			mergeMaps(secretHeaders(all), map[string]any{"cilium": map[string]any{"secretSync": false}}),
			api.PortRulesHTTP{{HeaderMatches: []*api.HeaderMatch{match("Authorization", "cilium-secrets", "github-token", api.MismatchActionReplace)}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := versions.MustParseCilium(c.version)
			got, keys := githubHTTPRules(t, RenderOptions{Cilium: v, Values: c.values})
			if !reflect.DeepEqual(got, c.want) {
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(c.want)
				t.Errorf("rules.http:\n got %s\nwant %s", g, w)
			}
			for _, r := range got {
				if err := r.Sanitize(); err != nil {
					t.Errorf("Cilium's Sanitize refuses %+v: %v", r, err)
				}
			}
			ns := c.want[len(c.want)-1].HeaderMatches[0].Secret.Namespace
			if keys[ns+"/"+c.want[len(c.want)-1].HeaderMatches[0].Secret.Name] == "" {
				t.Errorf("annotation %s = %v, want the key of %s", ciliumtls.HeaderKeysAnnotation, keys, ns)
			}
		})
	}
}

// TestNoSecretHeadersRendersAsBefore: without secretHeaders the HTTP rules
// are the values' own, or [{}].
func TestNoSecretHeadersRendersAsBefore(t *testing.T) {
	got, keys := githubHTTPRules(t, RenderOptions{})
	if !reflect.DeepEqual(got, api.PortRulesHTTP{{}}) || keys != nil {
		t.Errorf("rules.http = %+v, annotation keys %v; want [{}] and none", got, keys)
	}
}

// TestSecretHeaderNames lists the headers every group sets from secrets,
// for Hubble's redaction.
func TestSecretHeaderNames(t *testing.T) {
	vals := mergeMaps(secretHeaders(map[string]any{"name": "Authorization"}, map[string]any{"name": "X-Api-Key"}),
		map[string]any{"intercept": map[string]any{"aws": map[string]any{"secretHeaders": []any{map[string]any{"name": "Authorization"}}}}})
	if got := SecretHeaderNames(vals); !reflect.DeepEqual(got, []string{"Authorization", "X-Api-Key"}) {
		t.Errorf("SecretHeaderNames = %v", got)
	}
	if got := SecretHeaderNames(nil); got != nil {
		t.Errorf("SecretHeaderNames(nil) = %v, want none", got)
	}
}
