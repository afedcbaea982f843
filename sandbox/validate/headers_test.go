package validate

import (
	"fmt"
	"testing"
)

// withHeaderSecret sets Authorization from secret ns/name (no namespace
// when ns is "") on the base intercept policy's HTTP rule and adds the
// objects docs (a Secret, usually).
func withHeaderSecret(ns, name string, docs ...string) func(t *testing.T, objs objects) objects {
	return func(t *testing.T, objs objects) objects {
		secret := map[string]any{"name": name}
		if ns != "" {
			secret["namespace"] = ns
		}
		match := map[string]any{"name": "Authorization", "mismatch": "REPLACE", "secret": secret}
		set(t, find(t, objs, "CiliumNetworkPolicy", "intercept"), []any{match}, tlsPort("rules", "http", 0, "headerMatches")...)
		for _, d := range docs {
			objs = append(objs, parseObject(t, d))
		}
		return objs
	}
}

// tokenSecret is a Secret document in ns/name with data (base64 values).
func tokenSecret(ns, name, data string) string {
	return fmt.Sprintf("apiVersion: v1\nkind: Secret\nmetadata: {name: %s, namespace: %s}\ntype: Opaque\ndata: %s\n", name, ns, data)
}

// bearer is base64 of "Bearer test-token".
const bearer = "QmVhcmVyIHRlc3QtdG9rZW4="

func headerCases() []checkCase {
	good := withHeaderSecret("tls-secrets", "api-token", tokenSecret("tls-secrets", "api-token", "{token: "+bearer+"}"))
	annotated := func(key string) func(t *testing.T, objs objects) objects {
		return func(t *testing.T, objs objects) objects {
			objs = good(t, objs)
			find(t, objs, "CiliumNetworkPolicy", "intercept").SetAnnotations(map[string]string{
				"cilium-tls-intercept/secret-header-keys": `{"tls-secrets/api-token":"` + key + `"}`})
			return objs
		}
	}
	const rotation = "a rotated secret is sent only after the next recompute (cilium/cilium#35513)"
	return []checkCase{
		{name: "header-secret: one key with a value, over SDS on 1.20", mutate: good},
		{name: "header-secret: the key the chart's values name", mutate: annotated("token")},
		{name: "header-secret: another key than the chart's values name", mutate: annotated("authorization"),
			want: []want{{CheckHeaderSecret, "intercept", `header "Authorization" from secret "api-token": tls-secrets/api-token made by Secret tls-secrets/api-token has no key "authorization", the key the chart's values name (it has token)`}}},
		{name: "header-secret-rotation: inline on 1.16", version: "1.16", mutate: good,
			want: []want{{CheckHeaderRotation, "intercept", "Cilium 1.16.19 (no SDS before 1.17) copies header secrets' values into the policy Envoy gets"}}},
		{name: "header-secret: outside cilium-secrets without sync on 1.20", mutate: good, opts: Options{WithoutSecretSync: true},
			want: []want{
				{CheckHeaderSecret, "intercept", `header "Authorization" from secret "api-token".secret tls-secrets/api-token is outside cilium-secrets`},
				{CheckHeaderRotation, "intercept", "(secret sync off) " + "copies"},
				{CheckSecretsNamespace, "intercept", "terminatingTLS.secret tls-secrets/github-tls is outside cilium-secrets"},
				{CheckSecretsNamespace, "intercept", "originatingTLS.secret tls-secrets/upstream-ca is outside cilium-secrets"},
			}},
		{name: "header-secret: inside cilium-secrets with sync on 1.18", version: "1.18",
			mutate: withHeaderSecret("cilium-secrets", "api-token", tokenSecret("cilium-secrets", "api-token", "{token: "+bearer+"}")),
			want:   []want{{CheckHeaderSecret, "intercept", `.secret cilium-secrets/api-token is inside cilium-secrets: with secret sync (Cilium 1.18.11)`}}},
		{name: "header-secret: no namespace with sync", mutate: withHeaderSecret("", "api-token"),
			want: []want{{CheckHeaderSecret, "intercept", `header "Authorization" from secret "api-token" names no namespace: with secret sync (Cilium 1.20.2)`}}},
		{name: "header-secret: no namespace inline on 1.16 defaults to the policy's", version: "1.16",
			mutate: withHeaderSecret("", "api-token", tokenSecret("workload", "api-token", "{token: "+bearer+"}")),
			want:   []want{{CheckHeaderRotation, "intercept", rotation}}},
		{name: "header-secret: made by no Secret", mutate: withHeaderSecret("tls-secrets", "api-token"),
			want: []want{{CheckHeaderSecret, "intercept", "tls-secrets/api-token is made by no Secret in the objects"}}},
		{name: "header-secret: made elsewhere in a user's manifests", mutate: withHeaderSecret("tls-secrets", "api-token"), opts: Options{OpenWorld: true},
			want: []want{{CheckHeaderSecret, "intercept", "assumed to exist with one key and a value"}}},
		{name: "header-secret: external secret with one key", mutate: withHeaderSecret("tls-secrets", "api-token"),
			opts: Options{ExternalSecrets: map[string][]string{"tls-secrets/api-token": {"token"}}}},
		{name: "header-secret: two keys", mutate: withHeaderSecret("tls-secrets", "api-token", tokenSecret("tls-secrets", "api-token", "{token: "+bearer+", user: eA==}")),
			want: []want{{CheckHeaderSecret, "intercept", "has 2 keys (token, user): Cilium reads a header secret's only key"}}},
		{name: "header-secret: generic beside other keys over SDS", mutate: withHeaderSecret("tls-secrets", "api-token", tokenSecret("tls-secrets", "api-token", "{generic: "+bearer+", user: eA==}"))},
		{name: "header-secret: generic beside other keys inline on 1.16", version: "1.16",
			mutate: withHeaderSecret("tls-secrets", "api-token", tokenSecret("tls-secrets", "api-token", "{generic: "+bearer+", user: eA==}")),
			want:   []want{{CheckHeaderSecret, "intercept", "has 2 keys (generic, user)"}, {CheckHeaderRotation, "intercept", rotation}}},
		{name: "header-secret: no data", mutate: withHeaderSecret("tls-secrets", "api-token", tokenSecret("tls-secrets", "api-token", "{}")),
			want: []want{{CheckHeaderSecret, "intercept", "has no keys: the agent's SDS syncer serves Envoy nothing for it"}}},
		{name: "header-secret: empty value", mutate: withHeaderSecret("tls-secrets", "api-token", tokenSecret("tls-secrets", "api-token", `{token: ""}`)),
			want: []want{{CheckHeaderSecret, "intercept", `has an empty value under "token"`}}},
		{name: "header-secret: trailing newline", mutate: withHeaderSecret("tls-secrets", "api-token", tokenSecret("tls-secrets", "api-token", "{token: eAo=}")),
			want: []want{{CheckHeaderSecret, "intercept", `has a line break or NUL in the value under "token" (2 bytes`}}},
		{name: "header-secret: a TLS key over SDS", version: "1.17", mutate: withHeaderSecret("tls-secrets", "api-token", tokenSecret("tls-secrets", "api-token", "{ca.crt: "+bearer+"}")),
			want: []want{{CheckHeaderSecret, "intercept", `has the key "ca.crt", which the agent's SDS syncer reads as TLS material`}}},
		{name: "header-secret: a TLS key inline on 1.16", version: "1.16", mutate: withHeaderSecret("tls-secrets", "api-token", tokenSecret("tls-secrets", "api-token", "{ca.crt: "+bearer+"}")),
			want: []want{{CheckHeaderRotation, "intercept", rotation}}},
		{name: "header-secret: a certificate's secret", mutate: withHeaderSecret("tls-secrets", "github-tls"),
			want: []want{{CheckHeaderSecret, "intercept", "tls-secrets/github-tls is made by Certificate tls-secrets/github, whose secret holds tls.crt, tls.key and ca.crt"}}},
		{name: "header-secret-port: a header on a port without terminatingTLS",
			mutate: func(t *testing.T, objs objects) objects {
				objs = good(t, objs)
				p := find(t, objs, "CiliumNetworkPolicy", "intercept")
				ports, _, _ := unstructuredList(p.Object, "spec", "egress", 0, "toPorts")
				http := map[string]any{"rules": map[string]any{"http": []any{map[string]any{"headerMatches": []any{
					map[string]any{"name": "Authorization", "mismatch": "REPLACE", "secret": map[string]any{"namespace": "tls-secrets", "name": "api-token"}}}}}},
					"ports": []any{map[string]any{"port": "80", "protocol": "TCP"}}}
				set(t, p, append(ports, http), "spec", "egress", 0, "toPorts")
				return objs
			},
			want: []want{{CheckHeaderPort, "intercept", `egress[0].toPorts[1] header "Authorization" from secret "api-token" is on a port without terminatingTLS`}}},
	}
}
