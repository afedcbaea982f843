package scenarios

import (
	"context"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/upstream"
)

// The requests the scenarios make.
const (
	githubHost      = "api.github.com"
	githubPath      = "/meta"
	awsHost         = "sts.amazonaws.com"
	googleHost      = "storage.googleapis.com"
	passThroughHost = "example.com"
	// deniedPath is a path the github group's HTTP rule does not allow.
	deniedPath  = "/denied-by-policy"
	githubGroup = "github"
	// headersPath is the fake upstream's echo of the headers it received,
	// the one path the github group sets headerName on.
	headersPath = "/headers"
	// headerName is set from headerSecret (key headerSecretKey), which the
	// suite creates in the TLS secrets namespace.
	headerName      = "Authorization"
	headerSecret    = "intercept-github-token"
	headerSecretKey = "token"
)

// testHosts are every name the scenarios request: the fake upstream serves
// them all in offline mode.
func testHosts() []string {
	return []string{githubHost, awsHost, googleHost, passThroughHost}
}

// scenarioValues are the chart values the scenarios need over the defaults:
// a pass-through domain; HTTP rules on the github group allowing only
// GET /meta and GET /headers, so that other requests get Envoy's 403; and
// headerName set from headerSecret on GET /headers only.
func scenarioValues() map[string]any {
	headersRule := map[string]any{"method": "GET", "path": headersPath}
	return map[string]any{
		"passThrough": map[string]any{"domains": []any{passThroughHost}},
		"intercept": map[string]any{githubGroup: map[string]any{
			"http": []any{map[string]any{"method": "GET", "path": githubPath}, headersRule},
			"secretHeaders": []any{map[string]any{
				"name":   headerName,
				"secret": map[string]any{"name": headerSecret, "key": headerSecretKey},
				"http":   []any{headersRule},
			}},
		}},
	}
}

// chartValues are the values given to sandbox.Up: the scenario values and,
// offline, the fake upstream's CA in the upstream trust.
func chartValues(upstreamMode string, fakeCA []byte) map[string]any {
	v := scenarioValues()
	if upstreamMode == upstreamLocal {
		maps.Copy(v, upstream.ChartValues(fakeCA))
	}
	return v
}

// TestScenarioValuesRender renders the chart with the values the suite
// passes to sandbox.Up and checks the objects the scenarios rely on.
func TestScenarioValuesRender(t *testing.T) {
	fakeCA := "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n"
	r, err := intercept.Render(context.Background(), intercept.RenderOptions{Values: chartValues(upstreamLocal, []byte(fakeCA))})
	if err != nil {
		t.Fatal(err)
	}
	objs, err := r.Objects()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*unstructured.Unstructured{}
	for _, o := range objs {
		byName[o.GetKind()+"/"+o.GetName()] = o
	}
	checks := []struct {
		name, object string
		check        func(*unstructured.Unstructured) bool
	}{
		{"github group keeps its domains", "CiliumNetworkPolicy/intercept-tls-github",
			func(o *unstructured.Unstructured) bool {
				return strings.Contains(yamlOf(o), "api.github.com") || strings.Contains(yamlOf(o), "*.github.com")
			}},
		{"github group allows GET /meta and GET /headers", "CiliumNetworkPolicy/intercept-tls-github",
			func(o *unstructured.Unstructured) bool {
				return strings.Contains(yamlOf(o), "method: GET") && strings.Contains(yamlOf(o), "path: /meta") &&
					strings.Contains(yamlOf(o), "path: "+headersPath)
			}},
		{"github group sets the header from the Secret on GET /headers", "CiliumNetworkPolicy/intercept-tls-github",
			func(o *unstructured.Unstructured) bool {
				return strings.Contains(yamlOf(o), "name: "+headerName) && strings.Contains(yamlOf(o), "name: "+headerSecret) &&
					strings.Contains(yamlOf(o), "mismatch: REPLACE")
			}},
		{"pass-through domain", "CiliumNetworkPolicy/intercept-pass-through",
			func(o *unstructured.Unstructured) bool {
				return strings.Contains(yamlOf(o), "matchName: "+passThroughHost)
			}},
		{"aws group intercepted", "Certificate/intercept-aws", func(*unstructured.Unstructured) bool { return true }},
		{"google group intercepted", "Certificate/intercept-google", func(*unstructured.Unstructured) bool { return true }},
		{"fake CA in upstream trust", "Bundle/" + intercept.UpstreamTrustSecret,
			func(o *unstructured.Unstructured) bool { return strings.Contains(yamlOf(o), "MIIBfake") }},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			o, ok := byName[c.object]
			if !ok {
				t.Fatalf("no %s rendered; have %v", c.object, slices.Sorted(maps.Keys(byName)))
			}
			if !c.check(o) {
				t.Errorf("%s:\n%s", c.object, yamlOf(o))
			}
		})
	}
}

func TestChartValuesInternetHasNoFakeCA(t *testing.T) {
	if _, ok := chartValues(upstreamInternet, []byte("x"))["upstreamTrust"]; ok {
		t.Error("internet mode sets upstreamTrust")
	}
	if _, ok := chartValues(upstreamLocal, []byte("x"))["upstreamTrust"]; !ok {
		t.Error("local mode does not set upstreamTrust")
	}
}

// TestDeniedHostInNoPolicy checks that the default-deny scenario's host is
// allowed by no toFQDNs selector the scenario values render, exactly or by
// pattern, and is no test host.
func TestDeniedHostInNoPolicy(t *testing.T) {
	r, err := intercept.Render(context.Background(), intercept.RenderOptions{Values: scenarioValues()})
	if err != nil {
		t.Fatal(err)
	}
	objs, err := r.Objects()
	if err != nil {
		t.Fatal(err)
	}
	selectors := 0
	for _, o := range objs {
		if o.GetKind() != "CiliumNetworkPolicy" {
			continue
		}
		egress, _, _ := unstructured.NestedSlice(o.Object, "spec", "egress")
		for _, e := range egress {
			fqdns, _, _ := unstructured.NestedSlice(e.(map[string]any), "toFQDNs")
			for _, f := range fqdns {
				sel := f.(map[string]any)
				if fqdnSelects(sel, githubHost) {
					selectors++
				}
				if fqdnSelects(sel, deniedHost) {
					t.Errorf("policy %s allows %s with %v", o.GetName(), deniedHost, sel)
				}
			}
		}
	}
	if selectors == 0 {
		t.Fatalf("no toFQDNs selector selects %s: the policies were not walked", githubHost)
	}
	if !fqdnSelects(map[string]any{"matchPattern": "*.github.com"}, githubHost) || fqdnSelects(map[string]any{"matchPattern": "*.github.com"}, "github.com") {
		t.Error("fqdnSelects does not match patterns as Cilium does")
	}
	if slices.Contains(testHosts(), deniedHost) {
		t.Errorf("%s is a test host the fake upstream serves", deniedHost)
	}
}

// fqdnSelects reports whether a toFQDNs selector selects host: matchName
// exactly, matchPattern with "*" standing for DNS characters.
func fqdnSelects(sel map[string]any, host string) bool {
	if n, ok := sel["matchName"].(string); ok {
		return strings.EqualFold(strings.TrimSuffix(n, "."), host)
	}
	p, ok := sel["matchPattern"].(string)
	if !ok {
		return false
	}
	re := "^" + strings.ReplaceAll(regexp.QuoteMeta(strings.TrimSuffix(p, ".")), `\*`, "[-a-zA-Z0-9_]*") + "$"
	return regexp.MustCompile(re).MatchString(host)
}
