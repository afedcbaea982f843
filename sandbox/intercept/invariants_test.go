package intercept

import (
	"encoding/json"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// maxObjectBytes is the size every rendered object must stay under (etcd and
// kubectl apply's last-applied annotation make larger objects fragile).
const maxObjectBytes = 512 << 10

// checkInvariants asserts what must hold for every render: objects are small
// enough, a DNS rule exists, TLS ports always carry an http rule, and every
// terminatingTLS secret is a Certificate covering the rule's domains.
func checkInvariants(t *testing.T, objs []*unstructured.Unstructured) {
	t.Helper()
	certs := map[string][]string{} // namespace/secretName -> dnsNames
	for _, o := range objs {
		if size := objectSize(t, o); size >= maxObjectBytes {
			t.Errorf("%s %s is %d bytes, want under %d", o.GetKind(), o.GetName(), size, maxObjectBytes)
		}
		if o.GetKind() == "Certificate" {
			secret, _, _ := unstructured.NestedString(o.Object, "spec", "secretName")
			names, _, _ := unstructured.NestedStringSlice(o.Object, "spec", "dnsNames")
			certs[o.GetNamespace()+"/"+secret] = names
		}
	}
	dns := false
	for _, o := range objs {
		if o.GetKind() != "CiliumNetworkPolicy" {
			continue
		}
		if o.GetName() == "intercept-dns" {
			dns = true
		}
		rules, _, _ := unstructured.NestedSlice(o.Object, "spec", "egress")
		for _, r := range rules {
			checkEgressRule(t, o.GetName(), r.(map[string]any), certs)
		}
	}
	if !dns {
		t.Error("no intercept-dns policy: toFQDNs would never learn an IP")
	}
}

func checkEgressRule(t *testing.T, policy string, rule map[string]any, certs map[string][]string) {
	t.Helper()
	ports, _, _ := unstructured.NestedSlice(rule, "toPorts")
	for _, p := range ports {
		port := p.(map[string]any)
		ns, _, _ := unstructured.NestedString(port, "terminatingTLS", "secret", "namespace")
		name, _, _ := unstructured.NestedString(port, "terminatingTLS", "secret", "name")
		if name == "" {
			continue
		}
		if http, _, _ := unstructured.NestedSlice(port, "rules", "http"); len(http) == 0 {
			t.Errorf("policy %s: a TLS port without rules.http: Envoy would not parse HTTP", policy)
		}
		if up, _, _ := unstructured.NestedString(port, "originatingTLS", "secret", "name"); up == "" {
			t.Errorf("policy %s: terminatingTLS without originatingTLS", policy)
		}
		sans, ok := certs[ns+"/"+name]
		if !ok {
			t.Errorf("policy %s: terminatingTLS secret %s/%s is no Certificate's secret", policy, ns, name)
			continue
		}
		for _, d := range fqdns(rule) {
			if !contains(sans, d) {
				t.Errorf("policy %s allows %q but certificate %s/%s does not cover it (SANs %v)", policy, d, ns, name, sans)
			}
		}
	}
}

// fqdns returns the matchName and matchPattern values of a rule's toFQDNs.
func fqdns(rule map[string]any) []string {
	var out []string
	list, _, _ := unstructured.NestedSlice(rule, "toFQDNs")
	for _, e := range list {
		for _, k := range []string{"matchName", "matchPattern"} {
			if s, ok := e.(map[string]any)[k].(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func objectSize(t *testing.T, o *unstructured.Unstructured) int {
	t.Helper()
	b, err := json.Marshal(o.Object)
	if err != nil {
		t.Fatalf("marshal %s %s: %v", o.GetKind(), o.GetName(), err)
	}
	return len(b)
}
