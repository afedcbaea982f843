package intercept

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
	"github.com/cilium-tls-intercept/sandbox/sandbox/release"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// group returns intercept.<name> values with the given domains enabled.
func group(name string, domains ...string) map[string]any {
	return map[string]any{"intercept": map[string]any{name: map[string]any{"enabled": true, "domains": toAny(domains)}}}
}

// tokenSecret is a secretHeaders secret reference.
var tokenSecret = map[string]any{"name": "github-token", "key": "token"}

// secretHeaders returns intercept.github.secretHeaders values.
func secretHeaders(headers ...map[string]any) map[string]any {
	list := make([]any, len(headers))
	for i, h := range headers {
		list[i] = h
	}
	return map[string]any{"intercept": map[string]any{"github": map[string]any{"secretHeaders": list}}}
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// TestRenderRejectsInvalidValues checks that every invalid value fails the
// render with ErrInvalidValues and a message naming the bad value.
func TestRenderRejectsInvalidValues(t *testing.T) {
	cases := []struct {
		name string
		opts RenderOptions
		want []string
	}{
		{"cilium version not a release", RenderOptions{Set: []string{"cilium.version=latest"}},
			[]string{`invalid Cilium version "latest"`}},
		{"cilium version a number", RenderOptions{ValuesFiles: []string{writeValues(t, "cilium:\n  version: 1.18\n")}},
			[]string{`cilium.version 1.18 is a float64, not a string: quote it`}},
		{"tls secrets in the secrets namespace with sync", RenderOptions{Cilium: versions.MustParseCilium("1.17"), Set: []string{"tlsSecrets.namespace=cilium-secrets"}},
			[]string{`tlsSecrets.namespace "cilium-secrets" is Cilium's secrets namespace`, "does not watch the ones already there"}},
		{"tls secrets outside the secrets namespace without sync", RenderOptions{Cilium: versions.MustParseCilium("1.20"), Set: []string{"cilium.secretSync=false", "tlsSecrets.namespace=cert-manager"}},
			[]string{`tlsSecrets.namespace "cert-manager" is not secretsNamespace.name "cilium-secrets"`, "without secret sync"}},
		{"group named like the CA in the same namespace", RenderOptions{Cilium: versions.MustParseCilium("1.18"), Values: group("ca", "x.example.com")},
			[]string{"intercept.ca: its Certificate cert-manager/intercept-ca is the CA's Certificate (ca.secretName)"}},
		{"group secret named like the upstream trust secret", RenderOptions{Cilium: versions.MustParseCilium("1.16"), Set: []string{"upstreamTrust.secretName=intercept-github-tls"}},
			[]string{"intercept.github: its secret cilium-secrets/intercept-github-tls is upstreamTrust's secret"}},
		{"cilium secretSync not a boolean", RenderOptions{Values: map[string]any{"cilium": map[string]any{"secretSync": "yes"}}},
			[]string{"cilium.secretSync is a string; want a boolean"}},
		{"unknown top-level key", RenderOptions{Values: map[string]any{"interception": map[string]any{}}},
			[]string{`the top level: unknown key "interception" (known: ca, caBundle,`}},
		{"misspelt group", RenderOptions{Set: []string{"intercept.gihtub.enabled=true"}},
			[]string{`intercept.gihtub lacks "domains" (did you mean intercept.github? "gihtub" is not one of the chart's groups`}},
		{"unknown group key", RenderOptions{Set: []string{"intercept.github.domain=github.com"}},
			[]string{`intercept.github: unknown key "domain", did you mean "domains"? (known: domains, enabled, http, secretHeaders, serverNames)`}},
		{"uppercase domain", RenderOptions{Set: []string{"intercept.github.domains={GitHub.com}"}},
			[]string{`intercept.github.domains[0] "GitHub.com"`, `has uppercase letters; names are written in lowercase: "github.com"`}},
		{"domain with a bad label", RenderOptions{Set: []string{"intercept.github.domains={api_x.github.com}"}},
			[]string{`intercept.github.domains[0] "api_x.github.com" is not a domain name or a '*.'/'**.' pattern: its label "api_x" contains '_'`}},
		{"domain with a space", RenderOptions{Set: []string{"intercept.github.domains={exa mple.com}"}},
			[]string{`intercept.github.domains[0] "exa mple.com"`, "contains a space"}},
		{"domain with a trailing dot", RenderOptions{Set: []string{"intercept.github.domains={api.github.com.}"}},
			[]string{`intercept.github.domains[0] "api.github.com."`, `ends with a dot; write it without: "api.github.com"`}},
		{"wildcard inside a domain", RenderOptions{Set: []string{"passThrough.domains={api.*.com}"}},
			[]string{`passThrough.domains[0] "api.*.com"`, "'*' is allowed only as the whole first label"}},
		{"negative duration", RenderOptions{Set: []string{"certificates.duration=-24h"}},
			[]string{`certificates.duration "-24h" is negative`, "such as 2160h"}},
		{"group name not a DNS label", RenderOptions{Values: group("Bad_Group", "example.com")},
			[]string{`intercept: group name "Bad_Group" is not a DNS label of at most 40 characters, which a group name must be`, "contains '_'"}},
		{"double star in an intercepted group", RenderOptions{Set: []string{`intercept.github.domains={**.github.com}`}},
			[]string{`intercept.github.domains: "**.github.com" cannot be intercepted`}},
		{"double star pass-through before 1.19", RenderOptions{Cilium: versions.MustParseCilium("1.18.10"), Set: []string{`passThrough.domains={**.example.com}`}},
			[]string{`passThrough.domains: "**.example.com" needs Cilium 1.19`, `"1.18.10"`}},
		{"serverNames wildcard before 1.18", RenderOptions{Cilium: versions.MustParseCilium("1.17"), Set: []string{`intercept.github.serverNames={*.github.com}`}},
			[]string{`intercept.github.serverNames: "*.github.com" has a wildcard`, "1.17"}},
		{"serverNames inner wildcard before 1.20", RenderOptions{Cilium: versions.MustParseCilium("1.19"), Set: []string{`intercept.github.serverNames={api-*.github.com}`}},
			[]string{`"api-*.github.com"`, "not a leading"}},
		{"serverNames not covered by the certificate", RenderOptions{Set: []string{`intercept.aws.serverNames={api.github.com}`}},
			[]string{`intercept.aws.serverNames: "api.github.com" is not covered`}},
		{"same domain in two groups", RenderOptions{Set: []string{`intercept.aws.domains={github.com}`}},
			[]string{`domain "github.com" is listed twice`, "intercept.aws.domains", "intercept.github.domains"}},
		{"domain intercepted and passed through", RenderOptions{Set: []string{`passThrough.domains={*.googleapis.com}`}},
			[]string{`domain "*.googleapis.com" is listed twice`, "passThrough.domains"}},
		{"domain matched by another group's pattern", RenderOptions{Set: []string{`intercept.aws.domains={api.github.com}`}},
			[]string{`domain "api.github.com" in intercept.aws.domains is also matched by "*.github.com"`}},
		{"pass-through double star covers an intercepted name", RenderOptions{Set: []string{`passThrough.domains={**.github.com}`}},
			[]string{`is also matched by "**.github.com" in passThrough.domains`}},
		{"renewBefore not shorter than duration", RenderOptions{Set: []string{"certificates.renewBefore=8760h"}},
			[]string{`certificates.renewBefore "8760h" must be shorter than certificates.duration "8760h"`}},
		{"duration under cert-manager's minimum", RenderOptions{Set: []string{"certificates.duration=30m", "certificates.renewBefore=10m"}},
			[]string{`certificates.duration "30m"`, "minimum of 1h"}},
		{"duration not in hours", RenderOptions{Set: []string{"certificates.duration=1y"}},
			[]string{`certificates.duration "1y" uses 'y', which is not a unit here`}},
		{"enabled group without domains", RenderOptions{Values: map[string]any{"intercept": map[string]any{"aws": map[string]any{"domains": []any{}}}}},
			[]string{"intercept.aws is enabled but intercept.aws.domains is empty"}},
		{"key size does not fit the algorithm", RenderOptions{Set: []string{"certificates.privateKey.algorithm=RSA"}},
			[]string{"certificates.privateKey.size 256 does not fit algorithm RSA"}},
		{"upstream trust without anchors", RenderOptions{Set: []string{"upstreamTrust.useDefaultCAs=false"}},
			[]string{"upstreamTrust has no trust anchors"}},
		{"extra upstream certificates not PEM", RenderOptions{Set: []string{"upstreamTrust.extraCertificates=not-a-pem"}},
			[]string{"upstreamTrust.extraCertificates is not PEM", `"not-a-pem"`}},
		{"workload without the CA bundle", RenderOptions{Set: []string{"caBundle.enabled=false"}},
			[]string{"caBundle.enabled is false"}},
		{"leaf outlives the CA", RenderOptions{Set: []string{"certificates.duration=100000h"}},
			[]string{`certificates.duration "100000h" is longer than ca.duration "87600h"`}},
		{"policies outside the workload namespace", RenderOptions{Set: []string{"policy.namespace=default"}},
			[]string{`policy.namespace "default" differs from workload.namespace "intercept-workload"`}},
		{"http path not absolute", RenderOptions{Set: []string{"intercept.github.http[0].path=meta"}},
			[]string{`intercept.github.http[0].path "meta" does not start with /`}},
		{"secret header name with a colon", RenderOptions{Values: secretHeaders(map[string]any{"name": ":authority", "secret": tokenSecret})},
			[]string{`intercept.github.secretHeaders[0].name ":authority" is not an HTTP header name`}},
		{"secret header without a key", RenderOptions{Values: secretHeaders(map[string]any{"name": "Authorization", "secret": map[string]any{"name": "github-token"}})},
			[]string{`intercept.github.secretHeaders[0].secret lacks "key"`}},
		{"secret header secret name not an object name", RenderOptions{Values: secretHeaders(map[string]any{"name": "Authorization", "secret": map[string]any{"name": "GitHub_Token", "key": "token"}})},
			[]string{`intercept.github.secretHeaders[0].secret.name "GitHub_Token" is not a Kubernetes object name`}},
		{"secret header key with a slash", RenderOptions{Values: secretHeaders(map[string]any{"name": "Authorization", "secret": map[string]any{"name": "github-token", "key": "a/b"}})},
			[]string{`intercept.github.secretHeaders[0].secret.key "a/b" is not a Secret key`}},
		{"secret header action unknown", RenderOptions{Values: secretHeaders(map[string]any{"name": "Authorization", "secret": tokenSecret, "action": "overwrite"})},
			[]string{`intercept.github.secretHeaders[0].action "overwrite" is not one of "replace", "add"`}},
		{"secret header http entry empty", RenderOptions{Values: secretHeaders(map[string]any{"name": "Authorization", "secret": tokenSecret, "http": []any{map[string]any{}}})},
			[]string{`intercept.github.secretHeaders[0].http[0] is empty; set at least 1 of method, path`}},
		{"secret header set twice", RenderOptions{Values: secretHeaders(
			map[string]any{"name": "Authorization", "secret": tokenSecret},
			map[string]any{"name": "authorization", "secret": map[string]any{"name": "other", "key": "token"}})},
			[]string{`intercept.github.secretHeaders[1].name "authorization" is also set by intercept.github.secretHeaders[0]`}},
		{"secret header in a certificate secret", RenderOptions{Values: secretHeaders(map[string]any{"name": "Authorization", "secret": map[string]any{"name": "intercept-aws-tls", "key": "token"}})},
			[]string{`intercept.github.secretHeaders[0].secret.name "intercept-aws-tls" is the certificate secret of intercept.aws in cert-manager`}},
		{"secret header secret named with two keys", RenderOptions{Values: secretHeaders(
			map[string]any{"name": "Authorization", "secret": tokenSecret},
			map[string]any{"name": "X-Token", "secret": map[string]any{"name": "github-token", "key": "other"}})},
			[]string{`intercept.github.secretHeaders[1].secret: cert-manager/github-token is named with key "other" here and "token" elsewhere`}},
		{"secret header key read as TLS under sync", RenderOptions{Values: secretHeaders(map[string]any{"name": "Authorization", "secret": map[string]any{"name": "github-token", "key": "ca.crt"}})},
			[]string{`intercept.github.secretHeaders[0].secret.key "ca.crt" is a key Cilium's agent reads as TLS material under secret sync (Cilium 1.20.2)`}},
		{"secret header on a rule the group lacks", RenderOptions{Set: []string{"intercept.github.http[0].method=GET", "intercept.github.http[0].path=/meta"},
			Values: secretHeaders(map[string]any{"name": "Authorization", "secret": tokenSecret, "http": []any{map[string]any{"method": "GET", "path": "/user"}}})},
			[]string{`intercept.github.secretHeaders[0].http[0] (method "GET", path "/user") is not one of intercept.github.http's rules`}},
		{"http path Cilium's regexp parser refuses", RenderOptions{Set: []string{"intercept.github.http[0].path=/meta("}},
			[]string{"intercept.github.http[0].path=/meta(: the agent of Cilium 1.20.2 refuses CiliumNetworkPolicy intercept-workload/intercept-tls-github", "error parsing regexp: missing closing )"}},
		{"http method Cilium refuses, from a values file", RenderOptions{Cilium: versions.MustParseCilium("1.16"), ValuesFiles: []string{writeValues(t, "intercept:\n  aws:\n    http:\n    - method: GET(\n")}},
			[]string{"intercept.aws.http[0].method=GET(: the agent of Cilium 1.16.19 refuses CiliumNetworkPolicy intercept-workload/intercept-tls-aws"}},
		{"cilium.version disagreeing with the release given apart", RenderOptions{Cilium: versions.MustParseCilium("1.18"), Set: []string{"cilium.version=1.16"}},
			[]string{"cilium.version 1.16 in the values disagrees with Cilium " + versions.MustParseCilium("1.18").String() + ", the release chosen apart from them"}},
		{"malformed --set", RenderOptions{Set: []string{"intercept.github.enabled"}},
			[]string{`--set "intercept.github.enabled"`}},
		{"kubernetes older than the chart supports", RenderOptions{KubeVersion: "v1.29.4"},
			[]string{"v1.29.4", ">=1.30.0-0"}},
		{"missing values file", RenderOptions{ValuesFiles: []string{"testdata/no-such-values.yaml"}},
			[]string{"no-such-values.yaml"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Render(context.Background(), c.opts)
			if err == nil {
				t.Fatal("Render succeeded, want an error")
			}
			t.Log(err)
			if !errors.Is(err, ErrInvalidValues) {
				t.Errorf("error does not wrap ErrInvalidValues: %v", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain %q:\n%v", w, err)
				}
			}
			if strings.Contains(err.Error(), "does not match pattern") || strings.Contains(err.Error(), "additional properties") {
				t.Errorf("error shows the schema's raw text:\n%v", err)
			}
		})
	}
}

// TestRenderRejectsKubeVersion: a malformed KubeVersion is not a values
// problem, so the error does not say "invalid values".
func TestRenderRejectsKubeVersion(t *testing.T) {
	_, err := Render(context.Background(), RenderOptions{KubeVersion: "banana"})
	if err == nil || errors.Is(err, ErrInvalidValues) || !strings.Contains(err.Error(), `kube version "banana" is not a Kubernetes version`) {
		t.Fatalf("Render error = %v, want one naming the kube version and not wrapping ErrInvalidValues", err)
	}
}

// TestChartRejectsCiliumVersion renders through Helm alone (as helm install
// would, without versions.ParseCilium first): the templates' guard must
// refuse exactly the releases sandbox/versions does not support, in the
// same words, so the two ranges cannot drift apart.
func TestChartRejectsCiliumVersion(t *testing.T) {
	c, err := Chart()
	if err != nil {
		t.Fatal(err)
	}
	below := fmt.Sprintf("1.%d.7", versions.OldestMinor-1)
	above := fmt.Sprintf("1.%d", versions.NewestMinor+1)
	cases := map[string]string{
		below:    fmt.Sprintf(`cilium.version %q is not supported: supported are %s`, below, versions.SupportedRange()),
		above:    fmt.Sprintf(`cilium.version %q is not supported: supported are %s`, above, versions.SupportedRange()),
		"v2.0.0": `cilium.version "v2.0.0" is not a Cilium release`,
		"1.18.x": `does not match pattern`,
	}
	for m := versions.OldestMinor; m <= versions.NewestMinor; m++ {
		cases[fmt.Sprintf("1.%d.3", m)] = ""
	}
	cases["v1.16.3"] = ""
	for version, want := range cases {
		t.Run(version, func(t *testing.T) {
			_, err := release.Render(context.Background(), release.RenderInput{Chart: c, ReleaseName: "r", Namespace: "ns",
				Values: map[string]any{"cilium": map[string]any{"version": version}}})
			if want == "" {
				if err != nil {
					t.Fatalf("Render: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("Render error = %v, want it to contain %q", err, want)
			}
		})
	}
}

// TestUnwatchedRenewalTextFollowsCilium: the chart's refusal of the secrets
// namespace under sync says when a renewal would arrive, in the words of
// ciliumtls.UnwatchedRenewal for that release (the operator requeues its
// copies hourly from 1.18.5: row K8 of the table of known bugs, whose
// boundary the chart repeats).
func TestUnwatchedRenewalTextFollowsCilium(t *testing.T) {
	for _, release := range []string{"1.17.0", "1.17", "1.18.0", "1.18.4", "1.18.5", "1.18", "1.20"} {
		_, err := Render(context.Background(), RenderOptions{Cilium: versions.MustParseCilium(release), Set: []string{"tlsSecrets.namespace=cilium-secrets"}})
		want := ciliumtls.UnwatchedRenewal(versions.MustParseCilium(release))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("render %s with tlsSecrets in cilium-secrets: %v, want it to say %q", release, err, want)
		}
	}
}
