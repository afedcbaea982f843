package scenarios

import (
	"context"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cilium-tls-intercept/sandbox/sandbox/scenario"
)

// childRunTimeout bounds the child run of the credential-injection features.
const childRunTimeout = 10 * time.Minute

// TestLeakSearchTestLog searches the test log for the header secret's
// values. A test cannot read its own output, so this runs the binary again
// as a child, on the agent tier's credential-injection features (the
// Secret put, read by Cilium's operator and agent, served over SDS, set by
// the Envoy stand-in, rotated, and every artifact searched), with header
// values it chose (headerTokensEnv), and searches everything the child
// printed with -test.v: the tests' lines, and the logs of the Cilium
// operator and agent (their helper's standard error), cert-manager,
// trust-manager, client-go and the control plane that reach standard
// output and error.
func TestLeakSearchTestLog(t *testing.T) {
	if testenv.EnvConf().DryRunMode() {
		t.Skip("dry run: nothing runs")
	}
	if p := providerName(); p != providerHermetic {
		t.Skipf("needs --provider=hermetic (the agent tier runs the credential-injection features); provider is %s", p)
	}
	requireCluster(t)
	if suite.cilium == nil {
		t.Skip(suite.ciliumSkip)
	}
	if ids, ok := testenv.EnvConf().Labels()[scenario.Label]; ok && !slices.Contains(ids, scenario.CredentialInjection) {
		t.Skipf("the labels select scenario %v, not %s", ids, scenario.CredentialInjection)
	}
	var tokens headerTokens
	var values []string
	for range 4 {
		v, err := tokens.next()
		if err != nil {
			t.Fatal(err)
		}
		values = append(values, v)
	}
	ctx, cancel := context.WithTimeout(t.Context(), childRunTimeout)
	defer cancel()
	args := append(childArgs(os.Args[1:]), "-test.run=^TestHermeticAgent$", "-test.v", "-test.count=1",
		"--labels="+scenario.Label+"="+scenario.CredentialInjection)
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(os.Environ(), headerTokensEnv+"="+strings.Join(values, "\n"))
	start := time.Now()
	out, err := cmd.CombinedOutput()
	t.Logf("child run %s %s: %v after %s, %d bytes of output", os.Args[0], strings.Join(args, " "), err, time.Since(start).Round(time.Second), len(out))
	l := newLeakSearch(values)
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "leak search:") || strings.Contains(line, "--- FAIL") {
			t.Log("child: " + strings.TrimSpace(line))
		}
	}
	if err != nil || !strings.Contains(string(out), "--- PASS: TestHermeticAgent/nothing_leaks") {
		t.Errorf("the child run did not pass the credential-injection features (%v); its output holds %d match(es) of the values", err, l.count(out))
	}
	l.add("the test log of the credential-injection features (-test.v, standard output and error)", out)
	l.report(t)
}

// childArgs keeps the parent's suite flags, dropping the test runner's and
// the label filters, which the child sets itself.
func childArgs(parent []string) []string {
	var out []string
	for i := 0; i < len(parent); i++ {
		a := parent[i]
		name, _, withValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		switch {
		case strings.HasPrefix(name, "test."):
		case name == "labels" || name == "skip-labels" || name == "feature" || name == "skip-features":
			if !withValue {
				i++ // the value is the next argument
			}
		default:
			out = append(out, a)
		}
	}
	return out
}

func TestChildArgs(t *testing.T) {
	got := childArgs([]string{"-test.v=true", "-test.run=X", "--provider=hermetic", "--labels", "tier=agent", "--skip-labels=a=b", "--wait-timeout=1m"})
	if want := []string{"--provider=hermetic", "--wait-timeout=1m"}; !slices.Equal(got, want) {
		t.Errorf("childArgs = %q, want %q", got, want)
	}
}
