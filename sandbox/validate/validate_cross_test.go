package validate

import (
	"testing"
)

func sanCases() []checkCase {
	return []checkCase{
		{name: "san-coverage: wildcard SAN does not cover the apex",
			mutate: func(t *testing.T, objs objects) objects {
				set(t, find(t, objs, "Certificate", "github"), []any{"*.github.com"}, "spec", "dnsNames")
				return objs
			},
			want: []want{{CheckSANCoverage, "intercept", `toFQDNs matchName "github.com" is not covered by any dnsNames SAN of Certificate tls-secrets/github [*.github.com]`}}},
		{name: "san-coverage: one-label pattern under a wildcard SAN",
			mutate: func(t *testing.T, objs objects) objects {
				return addFQDN(t, objs, map[string]any{"matchPattern": "api-*.github.com"})
			}},
		{name: "san-coverage: serverNames outside the SANs",
			mutate: withServerNames("github.com", "api.gitlab.com", "**.github.com"),
			want: []want{
				{CheckSANCoverage, "intercept", `serverNames "api.gitlab.com" is not covered`},
				{CheckSANCoverage, "intercept", `serverNames "**.github.com" is not covered`},
			}},
		{name: "san-coverage: serverNames within the SANs",
			mutate: withServerNames("github.com", "api.github.com", "*.github.com")},
		{name: "san-coverage: two-label pattern under a wildcard SAN",
			mutate: func(t *testing.T, objs objects) objects {
				return addFQDN(t, objs, map[string]any{"matchPattern": "*.eu.github.com"})
			},
			want: []want{{CheckSANCoverage, "intercept", `matchPattern "*.eu.github.com" is not covered`}}},
	}
}

func workloadCases() []checkCase {
	return []checkCase{
		{name: "endpoint-selector: labels the pods do not carry",
			mutate: func(t *testing.T, objs objects) objects {
				set(t, find(t, objs, "Deployment", "client"), "other", "spec", "template", "metadata", "labels", "app")
				return objs
			},
			want: []want{
				{CheckEndpointSelector, "CiliumNetworkPolicy workload/dns", "selects none of the workload pods (Deployment workload/client labels app=other)"},
				{CheckEndpointSelector, "CiliumNetworkPolicy workload/intercept", "selects none of the workload pods"},
			}},
		{name: "endpoint-selector: policy in another namespace than the pods",
			mutate: func(t *testing.T, objs objects) objects {
				find(t, objs, "Deployment", "client").SetNamespace("elsewhere")
				return objs
			},
			want: []want{
				{CheckEndpointSelector, "dns", "selects none"},
				{CheckEndpointSelector, "intercept", "selects none"},
			}},
		{name: "endpoint-selector: hostNetwork pods only",
			mutate: func(t *testing.T, objs objects) objects {
				set(t, find(t, objs, "Deployment", "client"), true, "spec", "template", "spec", "hostNetwork")
				return objs
			},
			want: []want{
				{CheckEndpointSelector, "dns", "selects only hostNetwork pods"},
				{CheckEndpointSelector, "intercept", "selects only hostNetwork pods"},
			}},
		{name: "endpoint-selector: namespace label selector",
			mutate: func(t *testing.T, objs objects) objects {
				set(t, find(t, objs, "CiliumNetworkPolicy", "intercept"),
					map[string]any{"matchLabels": map[string]any{"k8s:io.kubernetes.pod.namespace": "workload", "app": "client"}}, "spec", "endpointSelector")
				return objs
			}},
		{name: "dns-rule: no DNS policy",
			mutate: func(t *testing.T, objs objects) objects { return without(objs, "CiliumNetworkPolicy", "dns") },
			want:   []want{{CheckDNSRule, "intercept", "no policy selecting Deployment workload/client allows DNS to kube-dns on port 53"}}},
		{name: "dns-rule: DNS rule to kube-dns in the policy's own namespace",
			mutate: func(t *testing.T, objs objects) objects {
				set(t, find(t, objs, "CiliumNetworkPolicy", "dns"), map[string]any{"k8s-app": "kube-dns"},
					"spec", "egress", 0, "toEndpoints", 0, "matchLabels")
				return objs
			},
			want: []want{{CheckDNSRule, "intercept", "the DNS rules at CiliumNetworkPolicy workload/dns egress[0].toPorts[0] do not select kube-dns"}}},
		{name: "dns-rule: DNS rule to the cluster entity",
			mutate: func(t *testing.T, objs objects) objects {
				p := find(t, objs, "CiliumNetworkPolicy", "dns")
				set(t, p, nil, "spec", "egress", 0, "toEndpoints")
				set(t, p, []any{"cluster"}, "spec", "egress", 0, "toEntities")
				return objs
			}},
		{name: "dns-rule: DNS rule that does not allow the names",
			mutate: func(t *testing.T, objs objects) objects {
				set(t, find(t, objs, "CiliumNetworkPolicy", "dns"), "*.example.com",
					"spec", "egress", 0, "toPorts", 0, "rules", "dns", 0, "matchPattern")
				return objs
			},
			want: []want{
				{CheckDNSRule, "intercept", `allows looking up "github.com"`},
				{CheckDNSRule, "intercept", `allows looking up "x.github.com"`},
			}},
		{name: "dns-rule: exact DNS names",
			mutate: func(t *testing.T, objs objects) objects {
				set(t, find(t, objs, "CiliumNetworkPolicy", "dns"),
					[]any{map[string]any{"matchName": "github.com"}, map[string]any{"matchPattern": "*.github.com"}},
					"spec", "egress", 0, "toPorts", 0, "rules", "dns")
				return objs
			}},
		{name: "dns-rule: no workload in the objects, no DNS policy",
			mutate: func(t *testing.T, objs objects) objects {
				return without(without(objs, "Deployment", "client"), "CiliumNetworkPolicy", "dns")
			},
			want: []want{{CheckDNSRule, "intercept", "no policy selecting the pods of endpointSelector"}}},
		{name: "dns-rule: no workload in the objects",
			mutate: func(t *testing.T, objs objects) objects { return without(objs, "Deployment", "client") }},
	}
}

func issuerCases() []checkCase {
	badRef := func(t *testing.T, objs objects) objects {
		set(t, find(t, objs, "Certificate", "github"), "nope", "spec", "issuerRef", "name")
		return objs
	}
	return []checkCase{
		{name: "issuer-ref: unknown ClusterIssuer", mutate: badRef,
			want: []want{{CheckIssuerRef, "Certificate tls-secrets/github", `spec.issuerRef ClusterIssuer "nope" is not among the objects`}}},
		{name: "issuer-ref: documented external issuer", mutate: badRef, opts: Options{ExternalIssuers: []string{"ClusterIssuer/nope"}}},
		{name: "issuer-ref: kind defaults to Issuer",
			mutate: func(t *testing.T, objs objects) objects {
				set(t, find(t, objs, "Certificate", "github"), nil, "spec", "issuerRef", "kind")
				return objs
			},
			want: []want{{CheckIssuerRef, "github", `spec.issuerRef Issuer "ca"`}}},
		{name: "issuer-secret: CA made outside the cluster resource namespace",
			mutate: func(t *testing.T, objs objects) objects {
				find(t, objs, "Certificate", "ca").SetNamespace("intercept-system")
				return objs
			},
			want: []want{{CheckIssuerSecret, "ClusterIssuer ca", `read from cert-manager/ca, but the objects make "ca" only in another namespace (Certificate intercept-system/ca)`}}},
		{name: "issuer-secret: cluster resource namespace option",
			opts: Options{ClusterResourceNamespace: "intercept-system"},
			mutate: func(t *testing.T, objs objects) objects {
				find(t, objs, "Certificate", "ca").SetNamespace("intercept-system")
				return objs
			}},
		{name: "issuer-secret: CA secret from a non-CA Certificate",
			mutate: func(t *testing.T, objs objects) objects {
				set(t, find(t, objs, "Certificate", "ca"), nil, "spec", "isCA")
				return objs
			},
			want: []want{{CheckIssuerSecret, "ClusterIssuer ca", "made by Certificate cert-manager/ca, which is not isCA: true"}}},
		{name: "name-constraints: leaf SAN outside the permitted domains",
			mutate: func(t *testing.T, objs objects) objects {
				set(t, find(t, objs, "Certificate", "github"), []any{"github.com", "*.github.com", "example.org"}, "spec", "dnsNames")
				return objs
			},
			want: []want{{CheckNameConstraints, "Certificate tls-secrets/github", `dnsNames "example.org" is outside the permitted DNS domains [github.com] of the signing CA Certificate cert-manager/ca`}}},
		{name: "name-constraints: leaf SAN in an excluded domain",
			mutate: func(t *testing.T, objs objects) objects {
				set(t, find(t, objs, "Certificate", "ca"), map[string]any{"dnsDomains": []any{"api.github.com"}}, "spec", "nameConstraints", "excluded")
				set(t, find(t, objs, "Certificate", "github"), []any{"github.com", "*.github.com", "api.github.com"}, "spec", "dnsNames")
				return objs
			},
			want: []want{{CheckNameConstraints, "github", `dnsNames "api.github.com" is in the excluded DNS domain "api.github.com"`}}},
	}
}
