package validate

import (
	"testing"
)

func addFQDN(t *testing.T, objs objects, sel map[string]any) objects {
	p := find(t, objs, "CiliumNetworkPolicy", "intercept")
	fq, _, _ := unstructuredList(p.Object, "spec", "egress", 0, "toFQDNs")
	set(t, p, append(fq, sel), "spec", "egress", 0, "toFQDNs")
	return objs
}

func unstructuredList(m map[string]any, path ...any) ([]any, bool, error) {
	var cur any = m
	for _, p := range path {
		switch k := p.(type) {
		case string:
			cur = cur.(map[string]any)[k]
		case int:
			cur = cur.([]any)[k]
		}
	}
	l, ok := cur.([]any)
	return l, ok, nil
}

func withServerNames(names ...any) func(t *testing.T, objs objects) objects {
	return func(t *testing.T, objs objects) objects {
		set(t, find(t, objs, "CiliumNetworkPolicy", "intercept"), names, tlsPort("serverNames")...)
		return objs
	}
}

func versionCases() []checkCase {
	doubleStar := func(t *testing.T, objs objects) objects {
		return addFQDN(t, objs, map[string]any{"matchPattern": "**.github.com"})
	}
	return []checkCase{
		{name: "server-names-version: wildcard on 1.17", version: "1.17", mutate: withServerNames("*.github.com"),
			want: []want{{CheckServerNames, "intercept", `serverNames "*.github.com" has a wildcard; Cilium 1.17.17 accepts exact names only`},
				{CheckKnownBug, "intercept", "meets known bug K3"}}},
		{name: "server-names-version: prefix wildcard on 1.18", version: "1.18", mutate: withServerNames("*.github.com")},
		{name: "server-names-version: inner wildcard on 1.19", version: "1.19", mutate: withServerNames("api*.github.com"),
			want: []want{{CheckServerNames, "intercept", `"api*.github.com" has a wildcard Cilium 1.19.7 does not accept`}}},
		{name: "server-names-version: inner wildcard on 1.20", version: "1.20", mutate: withServerNames("api*.github.com")},
		{name: "server-names-version: exact name on 1.16", version: "1.16", mutate: withServerNames("github.com")},
		{name: "match-pattern-version: double star on 1.18", version: "1.18", mutate: doubleStar,
			want: []want{
				{CheckMatchPattern, "intercept", `matchPattern "**.github.com" uses "**.", which Cilium 1.18.11 does not support`},
				{CheckSANCoverage, "intercept", "any depth"},
			}},
		{name: "match-pattern-version: double star on 1.19", version: "1.19", mutate: doubleStar,
			want: []want{{CheckSANCoverage, "intercept", `matchPattern "**.github.com" is not covered`}}},
		{name: "match-pattern-version: double star in a DNS rule on 1.17", version: "1.17",
			mutate: func(t *testing.T, objs objects) objects {
				set(t, find(t, objs, "CiliumNetworkPolicy", "dns"), "**.github.com",
					"spec", "egress", 0, "toPorts", 0, "rules", "dns", 0, "matchPattern")
				return objs
			},
			want: []want{
				{CheckMatchPattern, "dns", "egress[0].toPorts[0].rules.dns"},
				{CheckDNSRule, "intercept", `allows looking up "github.com"`},
			}},
	}
}

func secretCases() []checkCase {
	moveToWorkload := func(t *testing.T, objs objects) objects {
		find(t, objs, "Certificate", "github").SetNamespace("workload")
		set(t, find(t, objs, "CiliumNetworkPolicy", "intercept"), "workload", tlsPort("terminatingTLS", "secret", "namespace")...)
		return objs
	}
	moveToSecretsNamespace := func(t *testing.T, objs objects) objects {
		find(t, objs, "Certificate", "github").SetNamespace("cilium-secrets")
		set(t, find(t, objs, "Bundle", "upstream-ca"), "cilium-secrets", "spec", "target", "namespaceSelector", "matchLabels", "kubernetes.io/metadata.name")
		p := find(t, objs, "CiliumNetworkPolicy", "intercept")
		set(t, p, "cilium-secrets", tlsPort("terminatingTLS", "secret", "namespace")...)
		set(t, p, "cilium-secrets", tlsPort("originatingTLS", "secret", "namespace")...)
		return objs
	}
	withoutSecretNamespace := func(t *testing.T, objs objects) objects {
		set(t, find(t, objs, "CiliumNetworkPolicy", "intercept"), nil, tlsPort("terminatingTLS", "secret", "namespace")...)
		return objs
	}
	originateWithLeaf := func(t *testing.T, objs objects) objects {
		set(t, find(t, objs, "CiliumNetworkPolicy", "intercept"), "github-tls", tlsPort("originatingTLS", "secret", "name")...)
		return without(objs, "Bundle", "upstream-ca")
	}
	return []checkCase{
		{name: "secrets-namespace: secret outside cilium-secrets without sync on 1.17", version: "1.17", mutate: moveToWorkload,
			opts: Options{WithoutSecretSync: true},
			want: []want{
				{CheckSecretsNamespace, "intercept", "terminatingTLS.secret workload/github-tls is outside cilium-secrets, the only namespace Cilium 1.17.17 reads policy secrets from without secret sync"},
				{CheckSecretsNamespace, "intercept", "originatingTLS.secret tls-secrets/upstream-ca is outside cilium-secrets"},
			}},
		{name: "secrets-namespace: secret outside cilium-secrets with sync on 1.17", version: "1.17", mutate: moveToWorkload},
		{name: "secrets-namespace: secret inside cilium-secrets with sync on 1.17", version: "1.17", mutate: moveToSecretsNamespace,
			want: []want{
				{CheckSecretsNamespace, "intercept", "terminatingTLS.secret cilium-secrets/github-tls is inside cilium-secrets: with secret sync (Cilium 1.17.17) the operator copies policy secrets into it only from other namespaces"},
				{CheckSecretsNamespace, "intercept", "originatingTLS.secret cilium-secrets/upstream-ca is inside cilium-secrets"},
			}},
		{name: "secrets-namespace: secret inside cilium-secrets with sync on 1.20", mutate: moveToSecretsNamespace,
			want: []want{
				{CheckSecretsNamespace, "intercept", "terminatingTLS.secret cilium-secrets/github-tls is inside cilium-secrets"},
				{CheckSecretsNamespace, "intercept", "originatingTLS.secret cilium-secrets/upstream-ca is inside cilium-secrets"},
			}},
		{name: "secrets-namespace: secret inside cilium-secrets without sync on 1.20", mutate: moveToSecretsNamespace,
			opts: Options{WithoutSecretSync: true}},
		{name: "secrets-namespace: secret inside cilium-secrets on 1.16", version: "1.16", mutate: moveToSecretsNamespace},
		{name: "secrets-namespace: secret without namespace with sync on 1.18", version: "1.18", mutate: withoutSecretNamespace,
			want: []want{
				{CheckSecretsNamespace, "intercept", `terminatingTLS.secret "github-tls" names no namespace: with secret sync (Cilium 1.18.11)`},
				{CheckSecretSource, "intercept", "terminatingTLS.secret workload/github-tls is made by no"},
			}},
		{name: "secrets-namespace: secret without namespace without sync on 1.18", version: "1.18", mutate: withoutSecretNamespace,
			opts: Options{WithoutSecretSync: true},
			want: []want{
				{CheckSecretsNamespace, "intercept", "terminatingTLS.secret workload/github-tls is outside cilium-secrets"},
				{CheckSecretSource, "intercept", "terminatingTLS.secret workload/github-tls is made by no"},
				{CheckSecretsNamespace, "intercept", "originatingTLS.secret tls-secrets/upstream-ca is outside cilium-secrets"},
			}},
		{name: "secrets-namespace: any namespace on 1.16", version: "1.16", mutate: moveToWorkload},
		{name: "tls-secret-source: no object makes the secret",
			mutate: func(t *testing.T, objs objects) objects {
				set(t, find(t, objs, "CiliumNetworkPolicy", "intercept"), "missing", tlsPort("terminatingTLS", "secret", "name")...)
				return objs
			},
			want: []want{{CheckSecretSource, "intercept", "terminatingTLS.secret tls-secrets/missing is made by no Certificate, Bundle or Secret"}}},
		{name: "tls-secret-source: Bundle selector misses the namespace",
			mutate: func(t *testing.T, objs objects) objects {
				set(t, find(t, objs, "Bundle", "upstream-ca"), "kube-system", "spec", "target", "namespaceSelector", "matchLabels", "kubernetes.io/metadata.name")
				return objs
			},
			want: []want{{CheckSecretSource, "intercept", "originatingTLS.secret tls-secrets/upstream-ca is made by no"}}},
		{name: "tls-secret-source: two objects make the secret",
			mutate: func(t *testing.T, objs objects) objects {
				return append(objs, parseObject(t, "apiVersion: v1\nkind: Secret\nmetadata: {name: github-tls, namespace: tls-secrets}\nstringData: {tls.crt: x, tls.key: y}\n"))
			},
			want: []want{{CheckSecretSource, "intercept", "made by more than one object (Certificate tls-secrets/github, Secret tls-secrets/github-tls)"}}},
		{name: "tls-secret-source: clusterwide policy secret without namespace",
			mutate: func(t *testing.T, objs objects) objects {
				p := find(t, objs, "CiliumNetworkPolicy", "intercept").DeepCopy()
				p.SetKind("CiliumClusterwideNetworkPolicy")
				p.SetNamespace("")
				p.SetName("clusterwide")
				set(t, p, nil, tlsPort("terminatingTLS", "secret", "namespace")...)
				return append(objs, p)
			},
			want: []want{{CheckSecretSource, "CiliumClusterwideNetworkPolicy clusterwide", `terminatingTLS.secret "github-tls" names no namespace`}}},
		{name: "tls-secret-keys: originating secret with tls.* keys on 1.17", version: "1.17", mutate: originateWithLeaf,
			want: []want{{CheckSecretKeys, "intercept", "has tls.* keys (ca.crt, tls.crt, tls.key): with secret sync (Cilium 1.17.17)"}}},
		{name: "tls-secret-keys: originating secret with tls.* keys on 1.16", version: "1.16", mutate: originateWithLeaf},
		{name: "tls-secret-keys: terminating secret without chain and key",
			mutate: func(t *testing.T, objs objects) objects {
				objs = without(objs, "Certificate", "github")
				return append(objs, parseObject(t, "apiVersion: v1\nkind: Secret\nmetadata: {name: github-tls, namespace: tls-secrets}\ndata: {ca.crt: eA==}\n"))
			},
			want: []want{
				{CheckSecretKeys, "intercept", `made by Secret tls-secrets/github-tls has no key "tls.crt" (it has ca.crt)`},
				{CheckSecretKeys, "intercept", `has no key "tls.key"`},
			}},
		{name: "tls-secret-source: external secret",
			opts: Options{ExternalSecrets: map[string][]string{"tls-secrets/user-roots": {"ca.crt"}}},
			mutate: func(t *testing.T, objs objects) objects {
				set(t, find(t, objs, "CiliumNetworkPolicy", "intercept"), "user-roots", tlsPort("originatingTLS", "secret", "name")...)
				return without(objs, "Bundle", "upstream-ca")
			}},
		{name: "tls-secret-keys: external secret without ca.crt",
			opts: Options{ExternalSecrets: map[string][]string{"tls-secrets/user-roots": {"roots.pem"}}},
			mutate: func(t *testing.T, objs objects) objects {
				set(t, find(t, objs, "CiliumNetworkPolicy", "intercept"), "user-roots", tlsPort("originatingTLS", "secret", "name")...)
				return without(objs, "Bundle", "upstream-ca")
			},
			want: []want{{CheckSecretKeys, "intercept", `made by external secret has no key "ca.crt" (it has roots.pem)`}}},
		{name: "tls-secret-keys: originating from a Secret holding only ca.crt",
			mutate: func(t *testing.T, objs objects) objects {
				objs = without(objs, "Bundle", "upstream-ca")
				return append(objs, parseObject(t, "apiVersion: v1\nkind: Secret\nmetadata: {name: upstream-ca, namespace: tls-secrets}\ndata: {ca.crt: eA==}\n"))
			}},
		{name: "tls-secret-keys: trustedCA key the Bundle does not write, inline on 1.16", version: "1.16",
			mutate: func(t *testing.T, objs objects) objects {
				set(t, find(t, objs, "CiliumNetworkPolicy", "intercept"), "bundle.pem", tlsPort("originatingTLS", "trustedCA")...)
				return objs
			},
			want: []want{{CheckSecretKeys, "intercept", `made by Bundle upstream-ca has no key "bundle.pem" (it has ca.crt)`}}},
		// Over SDS Envoy gets the copy converted by fixed key names (ca.crt),
		// so a trustedCA name is not read.
		{name: "tls-secret-keys: trustedCA key not read over SDS on 1.20",
			mutate: func(t *testing.T, objs objects) objects {
				set(t, find(t, objs, "CiliumNetworkPolicy", "intercept"), "bundle.pem", tlsPort("originatingTLS", "trustedCA")...)
				return objs
			}},
		{name: "http-visibility: TLS contexts without rules.http",
			mutate: func(t *testing.T, objs objects) objects {
				set(t, find(t, objs, "CiliumNetworkPolicy", "intercept"), nil, tlsPort("rules")...)
				return objs
			},
			want: []want{{CheckHTTPVisibility, "intercept", "egress[0].toPorts[0] has TLS contexts but no rules.http"}}},
	}
}
