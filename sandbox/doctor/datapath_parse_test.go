package doctor

import (
	"math/big"
	"reflect"
	"strings"
	"testing"
)

func TestParseBPFPolicy(t *testing.T) {
	entries := []policyEntry{
		{Identity: 0, PortProto: "ANY"},
		{Egress: true, Identity: 102, PortProto: "53/UDP", ProxyPort: 37581},
		{Egress: true, Identity: 16777217, PortProto: "443/TCP", ProxyPort: 12781},
		{Deny: true, Egress: true, Identity: 2, PortProto: "443/TCP"},
	}
	cases := []struct {
		name, out string
		want      []policyEntry
		err       string
	}{
		{name: "1.16 table", out: bpfTable(16, entries), want: entries},
		{name: "1.20 table", out: bpfTable(20, entries), want: entries},
		{name: "empty map", out: bpfTable(20, nil), want: nil},
		{name: "labels resolved (no -n)", out: "POLICY   DIRECTION   LABELS (source:key[=value])   PORT/PROTO   PROXY PORT\nAllow    Egress      reserved:world                443/TCP      NONE\n", err: "no IDENTITY column"},
		{name: "not a table", out: "Error: cannot get endpoint 1283: not found\n", err: "no POLICY header"},
		{name: "identity not numeric", out: "POLICY   DIRECTION   IDENTITY   PORT/PROTO   PROXY PORT\nAllow    Egress      world      443/TCP      NONE\n", err: "line 2: identity \"world\""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := parseBPFPolicy(c.out)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want %q", err, c.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %+v, %v; want %+v", got, err, c.want)
			}
		})
	}
}

func TestParseEndpoint(t *testing.T) {
	cases := []struct{ name, out, err string }{
		{"not JSON", "Error: cannot get endpoint 99: [GET /endpoint/{id}][404] getEndpointIdNotFound\n", "invalid character"},
		{"no endpoint", "[]\n\n", "want one endpoint"},
		{"no status", `[{"id": 1}]`, "want one endpoint"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := parseEndpoint(c.out); err == nil || !strings.Contains(err.Error(), c.err) {
				t.Fatalf("error %v, want %q", err, c.err)
			}
		})
	}
}

func TestRedirectedSelectors(t *testing.T) {
	rules := []l4Rule{
		{Port: 53, Protocol: "UDP", L7Rules: nil},
		mustRule(t, `{"port":443,"protocol":"TCP","l7-rules":[{"MatchName: github.com, MatchPattern: ":{"terminatingTLS":{"Secret":{"Namespace":"cert-manager","Name":"x"}},"http":[{}]}},{"MatchName: , MatchPattern: *.example.com":null}]}`),
	}
	got := redirectedSelectors(rules, 443, "TCP")
	if want := []string{"MatchName: github.com, MatchPattern: "}; !reflect.DeepEqual(got, want) {
		t.Fatalf("redirected selectors %q, want %q (an L4-only selector is not a redirect)", got, want)
	}
	if got := redirectedSelectors(rules, 8443, "TCP"); got != nil {
		t.Fatalf("port 8443: %q", got)
	}
}

func mustRule(t *testing.T, js string) l4Rule {
	t.Helper()
	var r l4Rule
	if err := jsonUnmarshal(js, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestParseSelectorsOfBothReleases(t *testing.T) {
	sels := map[string][]int64{"MatchName: github.com, MatchPattern: ": {16777217}, kubeDNSSelector: {102}}
	for _, minor := range []int{16, 20} {
		got, err := parseSelectors(dbgJSON(t, selectorCache(minor, sels)))
		if err != nil || !reflect.DeepEqual(got, sels) {
			t.Errorf("1.%d: got %v, %v; want %v", minor, got, err, sels)
		}
	}
}

func TestSerials(t *testing.T) {
	n, _ := new(big.Int).SetString("04882e78901968bbf62f96cfe565ad4f0583aa9f", 16)
	if got := serialHex(n); got != "04882e78901968bbf62f96cfe565ad4f0583aa9f" {
		t.Errorf("serialHex = %s, want Envoy's spelling with its leading zero nibble", got)
	}
	for _, other := range []string{"04:88:2E:78:90:19:68:BB:F6:2F:96:CF:E5:65:AD:4F:05:83:AA:9F", "4882e78901968bbf62f96cfe565ad4f0583aa9f"} {
		if !sameSerial(serialHex(n), other) {
			t.Errorf("sameSerial(%s, %s) = false", serialHex(n), other)
		}
	}
	if sameSerial("0a", "0b") {
		t.Error("different serials compare equal")
	}
}

func TestSelectorMatches(t *testing.T) {
	cases := []struct {
		selector, name string
		want           bool
	}{
		{"github.com", "github.com.", true},
		{"github.com", "api.github.com", false},
		{"*.github.com", "api.github.com.", true},
		{"*.github.com", "github.com", false},
		{"*.github.com", "a.b.github.com", false},
		{"**.amazonaws.com", "s3.eu-west-1.amazonaws.com", true},
	}
	for _, c := range cases {
		s := fqdnSelectorOf(c.selector)
		if got := selectorMatches(s, c.name); got != c.want {
			t.Errorf("%q matches %q = %v, want %v", c.selector, c.name, got, c.want)
		}
	}
}

// TestParseEnvoySecretsBothShapes reads what cilium-dbg envoy admin config
// secrets prints (one DynamicSecret per active secret) and a whole config
// dump (a SecretsConfigDump with warming secrets).
func TestParseEnvoySecretsBothShapes(t *testing.T) {
	filtered := `{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.SecretsConfigDump.DynamicSecret","name":"cilium-secrets/a","last_updated":"2026-11-26T08:04:44Z"}]}`
	full := `{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.BootstrapConfigDump"},{"@type":"type.googleapis.com/envoy.admin.v3.SecretsConfigDump","dynamic_active_secrets":[{"name":"cilium-secrets/a"}],"dynamic_warming_secrets":[{"name":"cilium-secrets/w"}]}]}`
	for name, c := range map[string]struct {
		out  string
		want map[string]bool // name -> warming
	}{
		"config secrets": {filtered, map[string]bool{"cilium-secrets/a": false}},
		"whole dump":     {full, map[string]bool{"cilium-secrets/a": false, "cilium-secrets/w": true}},
		"none":           {"{}\n", map[string]bool{}},
	} {
		got, err := parseEnvoySecrets(c.out)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(got) != len(c.want) {
			t.Errorf("%s: %v, want %v", name, got, c.want)
		}
		for n, warming := range c.want {
			if s, ok := got[n]; !ok || s.warming != warming {
				t.Errorf("%s: secret %s = %+v, want warming=%v", name, n, s, warming)
			}
		}
	}
}
