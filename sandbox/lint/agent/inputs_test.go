package agent

import (
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun/wire"
	"github.com/cilium-tls-intercept/sandbox/sandbox/dnsanswer"
	"github.com/cilium-tls-intercept/sandbox/sandbox/validate"
)

func parse(t *testing.T, yaml string) []*unstructured.Unstructured {
	t.Helper()
	objs, err := validate.ParseManifest([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return withNamespaces(objs, "apps")
}

const policiesYAML = `
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: p}
spec:
  endpointSelector: {matchLabels: {app: a}}
  egress:
  - toFQDNs: [{matchName: API.GitHub.com.}, {matchPattern: "*.amazonaws.com"}, {matchPattern: "**.example.com"}, {matchPattern: "*"}]
---
apiVersion: cilium.io/v2
kind: CiliumClusterwideNetworkPolicy
metadata: {name: c}
specs:
- endpointSelector: {}
  egress:
  - toFQDNs: [{matchName: github.com}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  template:
    metadata: {labels: {app: a}}
    spec: {serviceAccountName: sa, containers: [{name: c, image: x}]}
---
apiVersion: v1
kind: Pod
metadata: {name: host, namespace: other}
spec: {hostNetwork: true, containers: [{name: c, image: x}]}
---
apiVersion: v1
kind: Namespace
metadata: {name: apps, labels: {team: blue}}
`

func TestPolicyNames(t *testing.T) {
	got := policyNames(parse(t, policiesYAML))
	want := []fqdnName{
		{name: "api.github.com"},
		{name: "github.com"},
		{name: "lint-example.amazonaws.com", pattern: "*.amazonaws.com"},
		{name: "lint-example.lint-example.example.com", pattern: "**.example.com"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("policyNames = %+v, want %+v", got, want)
	}
}

func TestWorkloadsOf(t *testing.T) {
	ws := workloadsOf(parse(t, policiesYAML))
	if len(ws) != 1 {
		t.Fatalf("workloads %+v, want the Deployment only (the hostNetwork pod has no endpoint)", ws)
	}
	w := ws[0]
	if w.Name != "Deployment apps/d" || w.ServiceAccount != "sa" || w.Labels["app"] != "a" ||
		w.NamespaceLabels["team"] != "blue" || w.NamespaceLabels["kubernetes.io/metadata.name"] != "apps" {
		t.Fatalf("workload %+v", w)
	}
}

func TestDNSAnswers(t *testing.T) {
	given, err := dnsanswer.FromResolve([]string{"GitHub.com.=140.82.121.4", "github.com=140.82.121.3"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := dnsAnswers(given, []string{"github.com", "api.github.com", "x.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]wire.DNSAnswer{}
	for _, a := range got {
		byName[a.Name] = a
	}
	if a := byName["github.com"]; a.Assumed || !reflect.DeepEqual(a.Addresses, []string{"140.82.121.4", "140.82.121.3"}) {
		t.Fatalf("given answer: %+v", a)
	}
	api, x := byName["api.github.com"], byName["x.example.com"]
	if !api.Assumed || !x.Assumed || len(api.Addresses) != 1 || len(x.Addresses) != 1 || api.Addresses[0] == x.Addresses[0] {
		t.Fatalf("assumed answers, one distinct address each: %+v %+v", api, x)
	}
}

func TestParseWorkloadLabels(t *testing.T) {
	w, err := ParseWorkloadLabels("app=a, tier=web", "apps")
	if err != nil || w.Labels["tier"] != "web" || w.Namespace != "apps" {
		t.Fatalf("%+v %v", w, err)
	}
	if _, err := ParseWorkloadLabels("app", "apps"); err == nil {
		t.Fatal("a label without = was accepted")
	}
}

func TestStandInSecrets(t *testing.T) {
	objs := parse(t, `
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: c, namespace: ns}
spec: {secretName: made, dnsNames: [a.example.com], secretTemplate: {labels: {group: g}}}
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: d, namespace: ns}
spec: {secretName: given}
---
apiVersion: v1
kind: Secret
metadata: {name: given, namespace: ns}
---
apiVersion: trust.cert-manager.io/v1alpha1
kind: Bundle
metadata: {name: trust}
spec:
  target:
    secret: {key: ca.crt}
    namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: cilium-secrets}}
`)
	got, lines, err := standInSecrets(objs)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || len(lines) != 2 {
		t.Fatalf("stand-ins %d (%v), want the Certificate's and the Bundle's, not the given secret's", len(got), lines)
	}
	made, bundle := got[0], got[1]
	data, _, _ := unstructured.NestedStringMap(made.Object, "data")
	if made.GetNamespace() != "ns" || made.GetName() != "made" || made.GetLabels()["group"] != "g" || len(data) != 3 {
		t.Errorf("Certificate's stand-in: %v", made.Object)
	}
	typ, _, _ := unstructured.NestedString(bundle.Object, "type")
	bdata, _, _ := unstructured.NestedStringMap(bundle.Object, "data")
	if bundle.GetNamespace() != "cilium-secrets" || typ != "Opaque" || len(bdata) != 1 || bdata["ca.crt"] == "" {
		t.Errorf("Bundle's stand-in: %v", bundle.Object)
	}
}
