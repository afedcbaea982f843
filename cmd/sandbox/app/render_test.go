package app

import (
	"bytes"
	"strings"
	"testing"
)

// TestPlanAndRenderWordValuesAlike: a value the schema refuses, or one
// that makes a policy Cilium's own parser refuses, reads the same through
// plan, render, up (which stops before Docker is asked) and install (which
// stops before it reads the kubeconfig), and nothing is printed on stdout.
func TestPlanAndRenderWordValuesAlike(t *testing.T) {
	closedDocker(t)
	for set, want := range map[string]string{
		"intercept.github.domains={exa mple.com}": `Error: invalid values: intercept.github.domains[0] "exa mple.com" is not a domain name or a '*.'/'**.' pattern: it contains a space`,
		"intercept.github.http[0].path=/meta(": "Error: invalid values: intercept.github.http[0].path=/meta(: the agent of Cilium 1.20.2 refuses CiliumNetworkPolicy intercept-workload/intercept-tls-github " +
			"(Invalid CiliumNetworkPolicy spec: error parsing regexp: missing closing ): `/meta(`): the API server would accept the policy and the agent enforce none of its rules",
	} {
		for _, cmd := range [][]string{
			{"render", "--set", set},
			{"plan", "--chart-cache", t.TempDir(), "--set", set},
			{"up", "--chart-cache", t.TempDir(), "--kubeconfig", t.TempDir() + "/kc", "--set", set},
			{"install", "--kubeconfig", t.TempDir() + "/no-kubeconfig", "--set", set},
		} {
			code, out, errOut := run(cmd...)
			if code != ExitUsage || !strings.HasPrefix(errOut, want) || out != "" {
				t.Errorf("%s --set %s: exit %d, stdout %q, stderr %q; want exit 2, no stdout and %q", cmd[0], set, code, out, errOut, want)
			}
		}
	}
}

func TestRenderCommand(t *testing.T) {
	cases := []struct {
		name     string
		args     []string
		code     int
		stdout   []string
		stderr   string
		noStdout bool
	}{
		{name: "defaults", args: []string{"render"}, code: ExitOK,
			stdout: []string{"kind: CiliumNetworkPolicy", "name: intercept-tls-github", "name: intercept-github-tls"}},
		{name: "cilium 1.16 creates the secrets namespace", args: []string{"render", "--cilium-version", "1.16"}, code: ExitOK,
			stdout: []string{"kind: Namespace\nmetadata:\n  name: cilium-secrets"}},
		{name: "values file and set", code: ExitOK,
			args:   []string{"render", "-f", "../../../fixtures/values/single-group.yaml", "--set", "passThrough.domains={example.com}"},
			stdout: []string{`matchName: "api.github.com"`, "name: intercept-pass-through", `matchName: "example.com"`}},
		{name: "bad cilium version", args: []string{"render", "--cilium-version", "1.21.0"}, code: ExitUsage, noStdout: true,
			stderr: `Error: invalid argument "1.21.0" for "--cilium-version" flag: unsupported Cilium version "1.21.0": supported are 1.16 to 1.20`},
		{name: "unknown patch release", args: []string{"render", "--cilium-version", "1.18.99"}, code: ExitOK,
			stderr: `Warning: Cilium 1.18.99 is newer than the 1.18 patch releases this project knows (1.18.0 to 1.18.11)`},
		{name: "bad value", args: []string{"render", "--set", "intercept.github.domains={**.github.com}"}, code: ExitUsage, noStdout: true,
			stderr: `"**.github.com" cannot be intercepted`},
		{name: "unknown key", args: []string{"render", "--set", "intercepts.github.enabled=true"}, code: ExitUsage, noStdout: true,
			stderr: `Error: invalid values: the top level: unknown key "intercepts", did you mean "intercept"? (known: ca, caBundle,`},
		{name: "cilium version twice, the same release", args: []string{"render", "--cilium-version", "1.18.11", "--set", "cilium.version=1.18"}, code: ExitOK,
			stdout: []string{"kind: CiliumNetworkPolicy"}},
		{name: "cilium version twice, disagreeing", args: []string{"render", "--cilium-version", "1.18", "--set", "cilium.version=1.16"}, code: ExitUsage, noStdout: true,
			stderr: "Error: invalid values: cilium.version 1.16 in the values disagrees with Cilium 1.18.11, the release chosen apart from them (--cilium-version, or its default)"},
		{name: "every group disabled", code: ExitOK, stdout: []string{"name: intercept-dns"},
			args:   []string{"render", "--set", "intercept.github.enabled=false", "--set", "intercept.aws.enabled=false", "--set", "intercept.google.enabled=false"},
			stderr: "note: no policy terminates TLS: every intercept group is disabled, so nothing is intercepted"},
		{name: "bad kube version", args: []string{"render", "--kube-version", "banana"}, code: ExitUsage, noStdout: true,
			stderr: `Error: --kube-version "banana" is not a Kubernetes version; write it as v1.36.4 or 1.36`},
		{name: "stray argument", args: []string{"render", "values.yaml"}, code: ExitUsage, noStdout: true,
			stderr: `render takes no arguments, got ["values.yaml"]: give values files with -f`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := Main(c.args, strings.NewReader(""), &out, &errOut)
			if code != c.code {
				t.Fatalf("exit code %d, want %d; stderr:\n%s", code, c.code, errOut.String())
			}
			for _, want := range c.stdout {
				if !strings.Contains(out.String(), want) {
					t.Errorf("stdout lacks %q", want)
				}
			}
			if c.noStdout && out.Len() != 0 {
				t.Errorf("stdout = %q, want nothing on failure", out.String())
			}
			if !strings.Contains(errOut.String(), c.stderr) {
				t.Errorf("stderr = %q, want it to contain %q", errOut.String(), c.stderr)
			}
		})
	}
}

// TestRenderDefaultsSayNothing: a render that intercepts prints no note.
func TestRenderDefaultsSayNothing(t *testing.T) {
	if code, _, errOut := run("render"); code != ExitOK || errOut != "" {
		t.Fatalf("render: exit %d, stderr %q; want 0 and nothing", code, errOut)
	}
}
