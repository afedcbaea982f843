package app

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestRenderPipesIntoLint runs `sandbox render | sandbox lint -f -` for
// every supported minor: the chart's own render lints clean.
func TestRenderPipesIntoLint(t *testing.T) {
	for _, v := range []string{"1.16", "1.17", "1.18", "1.19", "1.20"} {
		code, manifest, errOut := run("render", "--cilium-version", v)
		if code != ExitOK {
			t.Fatalf("render %s: exit %d: %s", v, code, errOut)
		}
		var out, lintErr bytes.Buffer
		code = Main([]string{"lint", "--cilium-version", v, "-f", "-"}, strings.NewReader(manifest), &out, &lintErr)
		if code != ExitOK || !strings.Contains(out.String(), "✓ every check passed") {
			t.Fatalf("lint of the %s render: exit %d\n%s%s", v, code, out.String(), lintErr.String())
		}
	}
}

func TestLintCommand(t *testing.T) {
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"lint", "--cilium-version", "1.18", "-f", "../../../fixtures/lint/poc-layout"}, ExitFailed, "root cause: secrets-namespace"},
		{[]string{"lint", "-f", "../../../fixtures/lint/secrets-made-elsewhere"}, ExitOK, "2 assumed"},
		{[]string{"lint", "-f", "absent.yaml"}, ExitUsage, "absent.yaml"},
		{[]string{"lint"}, ExitUsage, "give the manifests with -f"},
		{[]string{"lint", "--cilium-version", "1.15", "-f", "-"}, ExitUsage, `unsupported Cilium version "1.15"`},
		{[]string{"lint", "-o", "xml", "-f", "-"}, ExitUsage, `invalid --output "xml": want text, json or yaml`},
		{[]string{"lint", "--resolve", "example.com", "-f", "-"}, ExitUsage, `--resolve "example.com": want NAME=ADDRESS`},
		{[]string{"lint", "--resolve", "example.com=1.2.3", "-f", "-"}, ExitUsage, `"1.2.3" is not an IP address`},
		{[]string{"lint", "-f", "../../../fixtures/lint/shared-address"}, ExitOK, "one distinct address per name assumed"},
		{[]string{"lint", "-f", "../../../fixtures/lint/shared-address", "--resolve", "api.github.com=172.18.0.9",
			"--resolve", "example.com=172.18.0.9"}, ExitFailed, "example.com: terminated with cert-manager/intercept-github-tls [wrong]"},
		{[]string{"lint", "--compare", "1.18", "-f", "-"}, ExitUsage, "--compare needs --agent"},
		{[]string{"lint", "--agent", "--workload-labels", "app", "-f", "-"}, ExitUsage, `--workload-labels "app"`},
		{[]string{"lint", "--agent", "--compare", "1.15.3", "-f", "-"}, ExitUsage, `unsupported Cilium version "1.15.3"`},
		{[]string{"lint", "--agent", "--cilium-version", "1.19.2", "-f", "-"}, ExitUsage, "does not serve Cilium 1.19.2: it serves 1.19.0, 1.19.1, 1.19.3 to 1.19.7"},
	}
	for _, c := range cases {
		code, out, errOut := run(c.args...)
		if code != c.code || !strings.Contains(out+errOut, c.want) {
			t.Errorf("%v: exit %d, want %d with %q:\n%s%s", c.args, code, c.code, c.want, out, errOut)
		}
	}
	code, out, _ := run("lint", "-o", "json", "-f", "../../../fixtures/lint/no-dns-rule")
	var rep struct{ RootCause string }
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != ExitFailed || rep.RootCause != "dns-rule" {
		t.Fatalf("lint -o json: exit %d, %v, %+v", code, err, rep)
	}
}

// TestLintSmallTruths: one object is "1 object"; a misspelt kind is
// called unknown, with the kind it most likely meant.
func TestLintSmallTruths(t *testing.T) {
	for _, c := range []struct {
		manifest string
		code     int
		want     []string
	}{
		{"apiVersion: cert-manager.io/v1\nkind: ClusterIssuer\nmetadata: {name: selfsigned}\nspec: {selfSigned: {}}\n", ExitOK,
			[]string{"lint: 1 object from standard input"}},
		{"apiVersion: cilium.io/v2\nkind: CiliumNetworkPolcy\nmetadata: {name: x, namespace: default}\nspec: {endpointSelector: {}}\n", ExitFailed,
			[]string{"kind CiliumNetworkPolcy is unknown: group cilium.io has no such kind; did you mean CiliumNetworkPolicy?", "fix: write kind: CiliumNetworkPolicy"}},
	} {
		var out, errOut bytes.Buffer
		code := Main([]string{"lint", "-f", "-"}, strings.NewReader(c.manifest), &out, &errOut)
		for _, w := range c.want {
			if code != c.code || !strings.Contains(out.String(), w) {
				t.Errorf("lint of %q: exit %d, want %d and %q:\n%s%s", c.manifest, code, c.code, w, out.String(), errOut.String())
			}
		}
	}
}
