package validate

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// want is one expected Problem: its check, and text its object and message contain.
type want struct{ check, object, message string }

func (w want) matches(p Problem) bool {
	return p.Check == w.check && strings.Contains(p.Object, w.object) && strings.Contains(p.Message, w.message)
}

type objects = []*unstructured.Unstructured

type checkCase struct {
	name    string
	version string // default versions.DefaultCilium
	opts    Options
	mutate  func(t *testing.T, objs objects) objects
	want    []want // exactly these problems; none for a passing case
}

func TestBaseObjectsPassEveryRelease(t *testing.T) {
	for _, v := range versions.DefaultReleases() {
		t.Run(v.String(), func(t *testing.T) {
			if ps := run(t, baseObjects(t), v.String(), Options{}); len(ps) != 0 {
				t.Fatalf("want no problems, got:\n%s", problemList(ps))
			}
		})
	}
}

func TestObjectsRequiresCiliumVersion(t *testing.T) {
	if _, err := Objects(nil, Options{}); !errors.Is(err, ErrNoCiliumVersion) {
		t.Fatalf("Objects without Options.Cilium: error = %v, want ErrNoCiliumVersion", err)
	}
}

func TestChecks(t *testing.T) {
	var cases []checkCase
	for _, group := range [][]checkCase{
		ciliumCases(), schemaCases(), versionCases(), secretCases(), sanCases(), workloadCases(), issuerCases(), headerCases(),
	} {
		cases = append(cases, group...)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			objs := baseObjects(t)
			if c.mutate != nil {
				objs = c.mutate(t, objs)
			}
			version := c.version
			if version == "" {
				version = versions.DefaultCilium
			}
			assertProblems(t, run(t, objs, version, c.opts), c.want)
		})
	}
}

// assertProblems fails unless every want matches a distinct problem and no
// problem is left over.
func assertProblems(t *testing.T, got []Problem, wants []want) {
	t.Helper()
	used := make([]bool, len(got))
	for _, w := range wants {
		found := false
		for i, p := range got {
			if !used[i] && w.matches(p) {
				used[i], found = true, true
				break
			}
		}
		if !found {
			t.Errorf("missing problem %s on %q containing %q", w.check, w.object, w.message)
		}
	}
	for i, p := range got {
		if !used[i] {
			t.Errorf("unexpected problem: %s", p)
		}
	}
}

func problemList(ps []Problem) string {
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&b, "  %s\n", p)
	}
	return b.String()
}

func ciliumCases() []checkCase {
	return []checkCase{
		{
			name: "cilium-sanitize: toFQDNs with toEndpoints",
			mutate: func(t *testing.T, objs objects) objects {
				set(t, find(t, objs, "CiliumNetworkPolicy", "intercept"),
					[]any{map[string]any{"matchLabels": map[string]any{"app": "x"}}}, "spec", "egress", 0, "toEndpoints")
				return objs
			},
			want: []want{{CheckCiliumSanitize, "CiliumNetworkPolicy workload/intercept", "combining"}},
		},
		{
			name: "cilium-sanitize: serverNames with L7 rules need terminatingTLS",
			mutate: func(t *testing.T, objs objects) objects {
				p := find(t, objs, "CiliumNetworkPolicy", "intercept")
				set(t, p, nil, tlsPort("terminatingTLS")...)
				set(t, p, []any{"github.com"}, tlsPort("serverNames")...)
				return objs
			},
			want: []want{{CheckCiliumSanitize, "intercept", "ServerNames are not allowed with L7 rules without TLS termination"}},
		},
		{
			name: "cilium-sanitize: matchPattern with characters DNS names lack",
			mutate: func(t *testing.T, objs objects) objects {
				return addFQDN(t, objs, map[string]any{"matchPattern": "*.git(hub).com"})
			},
			want: []want{
				{CheckCiliumSanitize, "intercept", "*.git(hub).com"},
				{CheckSchema, "intercept", "matchPattern"},
			},
		},
		{
			name: "decode: egress is not a list",
			mutate: func(t *testing.T, objs objects) objects {
				set(t, find(t, objs, "CiliumNetworkPolicy", "intercept"), "nope", "spec", "egress")
				return objs
			},
			want: []want{
				{CheckDecode, "intercept", "cannot unmarshal"},
				{CheckSchema, "intercept", "spec.egress"},
			},
		},
		{
			name: "cilium-sanitize and crd-schema: unknown protocol",
			mutate: func(t *testing.T, objs objects) objects {
				set(t, find(t, objs, "CiliumNetworkPolicy", "intercept"), "XTP", tlsPort("ports", 0, "protocol")...)
				return objs
			},
			want: []want{
				{CheckCiliumSanitize, "intercept", "XTP"},
				{CheckSchema, "intercept", "protocol"},
			},
		},
	}
}

func schemaCases() []checkCase {
	return []checkCase{
		{
			name: "crd-schema: Certificate key algorithm outside the enum",
			mutate: func(t *testing.T, objs objects) objects {
				set(t, find(t, objs, "Certificate", "github"), map[string]any{"algorithm": "DSA"}, "spec", "privateKey")
				return objs
			},
			want: []want{{CheckSchema, "Certificate tls-secrets/github", "spec.privateKey.algorithm"}},
		},
		{
			name: "crd-schema: metadata name not a DNS subdomain",
			mutate: func(t *testing.T, objs objects) objects {
				find(t, objs, "ClusterIssuer", "selfsigned").SetName("Self_Signed")
				find(t, objs, "Certificate", "ca").Object["spec"].(map[string]any)["issuerRef"].(map[string]any)["name"] = "Self_Signed"
				return objs
			},
			want: []want{{CheckSchema, "ClusterIssuer Self_Signed", "metadata.name"}},
		},
		{
			name: "crd-unknown-field: terminatingTls misspelt",
			mutate: func(t *testing.T, objs objects) objects {
				p := find(t, objs, "CiliumNetworkPolicy", "intercept")
				tls, _, _ := unstructured.NestedFieldCopy(p.Object, "spec", "egress")
				ctx := tls.([]any)[0].(map[string]any)["toPorts"].([]any)[0].(map[string]any)["terminatingTLS"]
				set(t, p, nil, tlsPort("terminatingTLS")...)
				set(t, p, ctx, tlsPort("terminatingTls")...)
				return objs
			},
			want: []want{{CheckUnknownField, "intercept", "spec.egress[0].toPorts[0].terminatingTls"}},
		},
		{
			name: "crd-cel: Bundle source with two kinds of data",
			mutate: func(t *testing.T, objs objects) objects {
				set(t, find(t, objs, "Bundle", "upstream-ca"), map[string]any{"useDefaultCAs": true, "inLine": "PEM"}, "spec", "sources", 0)
				return objs
			},
			want: []want{{CheckCEL, "Bundle upstream-ca", "exactly one of the fields"}},
		},
		{
			name: "crd-schema: version no CRD serves",
			mutate: func(t *testing.T, objs objects) objects {
				find(t, objs, "ClusterIssuer", "selfsigned").SetAPIVersion("cert-manager.io/v1alpha2")
				return objs
			},
			want: []want{{CheckSchema, "ClusterIssuer selfsigned", "apiVersion cert-manager.io/v1alpha2 kind ClusterIssuer is not served"}},
		},
	}
}
