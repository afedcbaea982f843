package intercept

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// render renders opts and returns the objects, failing the test on error.
func render(t *testing.T, opts RenderOptions) []*unstructured.Unstructured {
	t.Helper()
	out, err := Render(context.Background(), opts)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	objs, err := out.Objects()
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

// find returns the object of kind and name, or nil.
func find(objs []*unstructured.Unstructured, kind, name string) *unstructured.Unstructured {
	for _, o := range objs {
		if o.GetKind() == kind && o.GetName() == name {
			return o
		}
	}
	return nil
}

// field returns the value at path (map keys, or ints for list indexes), or nil.
func field(o *unstructured.Unstructured, path ...any) any {
	var cur any = o.Object
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := cur.(map[string]any)
			cur = m[k]
		case int:
			l, _ := cur.([]any)
			if k >= len(l) {
				return nil
			}
			cur = l[k]
		}
	}
	return cur
}

func TestSecretsNamespaceByVersion(t *testing.T) {
	cases := []struct {
		version, create string
		want            bool
	}{
		{"1.16", "auto", true},
		{"1.17", "auto", false},
		{"1.20", "auto", false},
		{"1.20", "true", true},
		{"1.16", "false", false},
	}
	for _, c := range cases {
		t.Run(c.version+"/"+c.create, func(t *testing.T) {
			objs := render(t, RenderOptions{Cilium: versions.MustParseCilium(c.version), Set: []string{"secretsNamespace.create=" + c.create}})
			ns := find(objs, "Namespace", "cilium-secrets")
			if (ns != nil) != c.want {
				t.Fatalf("cilium-secrets Namespace rendered = %v, want %v", ns != nil, c.want)
			}
			if ns != nil && ns.GetAnnotations()["helm.sh/resource-policy"] != "keep" {
				t.Error("secrets Namespace lacks helm.sh/resource-policy: keep")
			}
		})
	}
}

func TestNameConstraints(t *testing.T) {
	cases := []struct {
		name string
		opts RenderOptions
		want any
	}{
		{"defaults", RenderOptions{}, []any{"amazonaws.com", "github.com", "googleapis.com"}},
		{"subdomains folded into their parent", RenderOptions{Set: []string{
			"intercept.github.domains={github.com,*.github.com,api.github.com}",
			"intercept.aws.enabled=false", "intercept.google.domains={*.storage.googleapis.com}",
			"ca.nameConstraints.extraPermittedDomains={example.org,a.b.example.org}"}},
			[]any{"example.org", "github.com", "storage.googleapis.com"}},
		{"nothing intercepted", RenderOptions{Set: []string{"intercept.github.enabled=false", "intercept.aws.enabled=false", "intercept.google.enabled=false"}},
			[]any{"invalid"}},
		{"disabled", RenderOptions{Set: []string{"ca.nameConstraints.enabled=false"}}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ca := find(render(t, c.opts), "Certificate", "intercept-ca")
			if ca == nil {
				t.Fatal("no CA Certificate intercept-ca")
			}
			if got := field(ca, "spec", "nameConstraints", "permitted", "dnsDomains"); !reflect.DeepEqual(got, c.want) {
				t.Fatalf("permitted dnsDomains = %v, want %v", got, c.want)
			}
			if field(ca, "spec", "isCA") != true || field(ca, "spec", "privateKey", "rotationPolicy") != "Never" {
				t.Error("CA Certificate is not isCA with rotationPolicy Never")
			}
		})
	}
}

func TestExistingCAAndUpstreamTrust(t *testing.T) {
	objs := render(t, RenderOptions{ValuesFiles: []string{fixturesDir + "/existing-ca.yaml"}})
	for _, absent := range [][2]string{{"Certificate", "intercept-ca"}, {"ClusterIssuer", "intercept-ca-selfsigned"}, {"Bundle", UpstreamTrustSecret}} {
		if find(objs, absent[0], absent[1]) != nil {
			t.Errorf("%s %s rendered with an existing CA and trust secret", absent[0], absent[1])
		}
	}
	if got := field(find(objs, "ClusterIssuer", CAIssuer), "spec", "ca", "secretName"); got != "my-ca" {
		t.Errorf("CA ClusterIssuer secretName = %v, want my-ca", got)
	}
	if got := field(find(objs, "Bundle", "intercept-ca"), "spec", "sources", 0, "secret"); !reflect.DeepEqual(got, map[string]any{"name": "my-ca", "key": "tls.crt"}) {
		t.Errorf("CA bundle source = %v, want my-ca tls.crt", got)
	}
	policy := find(objs, "CiliumNetworkPolicy", "intercept-tls-github")
	if got := field(policy, "spec", "egress", 0, "toPorts", 0, "originatingTLS", "secret", "name"); got != "my-upstream-roots" {
		t.Errorf("originatingTLS secret = %v, want my-upstream-roots", got)
	}
}

func TestUpstreamTrustBundle(t *testing.T) {
	objs := render(t, RenderOptions{ValuesFiles: []string{fixturesDir + "/offline-upstream.yaml"}})
	b := find(objs, "Bundle", UpstreamTrustSecret)
	if b == nil {
		t.Fatal("no upstream trust Bundle")
	}
	sources, _ := field(b, "spec", "sources").([]any)
	if len(sources) != 1 || !strings.HasPrefix(field(b, "spec", "sources", 0, "inLine").(string), "-----BEGIN CERTIFICATE-----") {
		t.Errorf("sources = %v, want the inline PEM only (useDefaultCAs false)", sources)
	}
	if got := field(b, "spec", "target", "secret", "key"); got != "ca.crt" {
		t.Errorf("target secret key = %v, want ca.crt", got)
	}
	if got := field(b, "spec", "target", "namespaceSelector", "matchLabels", "kubernetes.io/metadata.name"); got != CANamespace {
		t.Errorf("target namespace = %v, want %s", got, CANamespace)
	}
}

// TestTLSSecretsNamespace checks where the secrets the policies name are
// written and referenced, by Cilium's secrets mode: with secret sync (1.17+)
// outside cilium-secrets, whose secrets Cilium's operator does not watch;
// without sync, and on 1.16, inside it.
func TestTLSSecretsNamespace(t *testing.T) {
	cases := []struct {
		version string
		set     []string
		want    string
	}{
		{"1.16", nil, "cilium-secrets"},
		{"1.17", nil, "cert-manager"},
		{"1.20", nil, "cert-manager"},
		{"1.16", []string{"cilium.secretSync=false"}, "cilium-secrets"},
		{"1.18", []string{"cilium.secretSync=false"}, "cilium-secrets"},
		{"1.19", []string{"tlsSecrets.namespace=intercept-secrets"}, "intercept-secrets"},
		{"1.16", []string{"tlsSecrets.namespace=intercept-secrets"}, "intercept-secrets"},
	}
	for _, c := range cases {
		t.Run(c.version+"/"+strings.Join(c.set, ","), func(t *testing.T) {
			objs := render(t, RenderOptions{Cilium: versions.MustParseCilium(c.version), Set: c.set})
			if c.set == nil {
				if want := TLSSecretsNamespace(versions.MustParseCilium(c.version)); want != c.want {
					t.Errorf("TLSSecretsNamespace(%s) = %s, want %s", c.version, want, c.want)
				}
			}
			if cert := find(objs, "Certificate", CertificateName("github")); cert == nil || cert.GetNamespace() != c.want {
				t.Errorf("Certificate %s not in %s", CertificateName("github"), c.want)
			}
			b := find(objs, "Bundle", UpstreamTrustSecret)
			if got := field(b, "spec", "target", "namespaceSelector", "matchLabels", "kubernetes.io/metadata.name"); got != c.want {
				t.Errorf("upstream trust Bundle targets %v, want %s", got, c.want)
			}
			p := find(objs, "CiliumNetworkPolicy", PolicyName("github"))
			for _, tls := range []string{"terminatingTLS", "originatingTLS"} {
				if got := field(p, "spec", "egress", 0, "toPorts", 0, tls, "secret", "namespace"); got != c.want {
					t.Errorf("%s secret namespace = %v, want %s", tls, got, c.want)
				}
			}
		})
	}
}

func TestPolicyRules(t *testing.T) {
	l7 := render(t, RenderOptions{ValuesFiles: []string{fixturesDir + "/l7-rules.yaml"}})
	port := field(find(l7, "CiliumNetworkPolicy", "intercept-tls-github"), "spec", "egress", 0, "toPorts", 0)
	want := []any{
		map[string]any{"method": "GET|HEAD", "path": "^/meta$"},
		map[string]any{"method": "GET", "path": "/zen", "headers": []any{"User-Agent"}},
	}
	if got := field(&unstructured.Unstructured{Object: port.(map[string]any)}, "rules", "http"); !reflect.DeepEqual(got, want) {
		t.Errorf("http rules = %v, want %v", got, want)
	}
	sni := render(t, RenderOptions{Cilium: versions.MustParseCilium("1.18"), ValuesFiles: []string{fixturesDir + "/since-1.18/server-names-prefix.yaml"}})
	if got := field(find(sni, "CiliumNetworkPolicy", "intercept-tls-github"), "spec", "egress", 0, "toPorts", 0, "serverNames"); !reflect.DeepEqual(got, []any{"github.com", "*.github.com"}) {
		t.Errorf("serverNames = %v", got)
	}
	pass := render(t, RenderOptions{ValuesFiles: []string{fixturesDir + "/pass-through.yaml"}})
	pt := find(pass, "CiliumNetworkPolicy", "intercept-pass-through")
	if got := field(pt, "spec", "egress", 0, "toPorts", 0); !reflect.DeepEqual(got, map[string]any{"ports": []any{map[string]any{"port": "443", "protocol": "TCP"}}}) {
		t.Errorf("pass-through port = %v, want port 443 without TLS or rules", got)
	}
	if got := field(pt, "spec", "egress", 0, "toFQDNs", 1); !reflect.DeepEqual(got, map[string]any{"matchPattern": "*.example.org"}) {
		t.Errorf("pass-through toFQDNs[1] = %v, want matchPattern *.example.org", got)
	}
}

func TestWorkload(t *testing.T) {
	objs := render(t, RenderOptions{})
	d := find(objs, "Deployment", "intercept-workload")
	if d == nil || d.GetNamespace() != WorkloadNamespace {
		t.Fatalf("no Deployment intercept-workload in %s", WorkloadNamespace)
	}
	if got := field(d, "spec", "template", "metadata", "labels", "app"); got != WorkloadLabel {
		t.Errorf("pod label app = %v, want %s", got, WorkloadLabel)
	}
	image, _ := field(d, "spec", "template", "spec", "containers", 0, "image").(string)
	if !strings.HasPrefix(image, "curlimages/curl:8.") || !strings.Contains(image, "@sha256:") {
		t.Errorf("image %q is not curl 8 pinned by digest", image)
	}
	if got := field(d, "spec", "template", "spec", "volumes", 0, "configMap", "name"); got != "intercept-ca" {
		t.Errorf("CA volume = %v, want ConfigMap intercept-ca", got)
	}
	none := render(t, RenderOptions{ValuesFiles: []string{fixturesDir + "/no-workload.yaml"}})
	if find(none, "Deployment", "intercept-workload") != nil || find(none, "Namespace", "apps") != nil {
		t.Error("workload.enabled=false still renders the workload or its namespace")
	}
}

func TestNotes(t *testing.T) {
	out, err := Render(context.Background(), RenderOptions{ValuesFiles: []string{fixturesDir + "/pass-through.yaml"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"github: github.com, *.github.com -> intercept-github-tls",
		"Passed through without interception: example.com, *.example.org",
		"curl -sS --cacert /etc/intercept/ca.crt",
	} {
		if !strings.Contains(out.Notes, want) {
			t.Errorf("NOTES lack %q:\n%s", want, out.Notes)
		}
	}
	if strings.Contains(out.Notes, "aws:") {
		t.Errorf("NOTES list the disabled aws group:\n%s", out.Notes)
	}
}

// TestNamesMatchTemplates keeps the exported name helpers equal to what the
// templates render, for a group added by the user.
func TestNamesMatchTemplates(t *testing.T) {
	objs := render(t, RenderOptions{Values: group("my-api", "api.example.com")})
	cert := find(objs, "Certificate", CertificateName("my-api"))
	if ns := TLSSecretsNamespace(versions.MustParseCilium(versions.DefaultCilium)); cert == nil || cert.GetNamespace() != ns {
		t.Fatalf("no Certificate %s in %s", CertificateName("my-api"), ns)
	}
	if got := field(cert, "spec", "secretName"); got != SecretName("my-api") {
		t.Errorf("secretName = %v, want %s", got, SecretName("my-api"))
	}
	p := find(objs, "CiliumNetworkPolicy", PolicyName("my-api"))
	if p == nil || p.GetNamespace() != WorkloadNamespace {
		t.Fatalf("no CiliumNetworkPolicy %s in %s", PolicyName("my-api"), WorkloadNamespace)
	}
	if got := field(p, "spec", "egress", 0, "toPorts", 0, "terminatingTLS", "secret", "name"); got != SecretName("my-api") {
		t.Errorf("terminatingTLS secret = %v, want %s", got, SecretName("my-api"))
	}
	if got := field(p, "spec", "egress", 0, "toPorts", 0, "originatingTLS", "secret", "name"); got != UpstreamTrustSecret {
		t.Errorf("originatingTLS secret = %v, want %s", got, UpstreamTrustSecret)
	}
	if find(objs, "CiliumNetworkPolicy", DNSPolicyName) == nil || find(objs, "ClusterIssuer", CAIssuer) == nil {
		t.Errorf("no %s policy or %s ClusterIssuer", DNSPolicyName, CAIssuer)
	}
}
