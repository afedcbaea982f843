package app

import (
	"strings"
	"testing"
)

// TestFailedReportsEndCleanly: when a command's report already names the
// failure, exit code 1 comes with nothing on stderr: no "Error: root
// cause: ..." line under the report, in text or JSON.
func TestFailedReportsEndCleanly(t *testing.T) {
	for _, args := range [][]string{
		{"doctor", "--from", "../../../fixtures/states/no-dns-rule"},
		{"doctor", "--from", "../../../fixtures/states/no-dns-rule", "-o", "json"},
		{"lint", "-f", "../../../fixtures/lint/no-dns-rule"},
		{"lint", "-f", "../../../fixtures/lint/no-dns-rule", "-o", "json"},
	} {
		code, out, errOut := run(args...)
		if code != ExitFailed || errOut != "" || !strings.Contains(out, "dns-rule") {
			t.Errorf("%v: exit %d, stderr %q; want exit 1, the report on stdout and nothing on stderr", args, code, errOut)
		}
	}
}

// TestUsageErrorsPrintOneLine: a usage error is one "Error:" line on
// stderr, exit code 2, and no usage text.
func TestUsageErrorsPrintOneLine(t *testing.T) {
	for _, args := range [][]string{
		{"doctor", "--bogus"},
		{"lint"},
		{"render", "--set", "intercepts.x=1"},
		{"status", "-o", "xml"},
		{"nonsense"},
	} {
		code, out, errOut := run(args...)
		lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
		if code != ExitUsage || len(lines) != 1 || !strings.HasPrefix(errOut, "Error: ") || out != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and one Error line", args, code, out, errOut)
		}
	}
}
