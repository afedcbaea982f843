package doctor

import (
	"context"
	"flag"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden reports under testdata/")

// statesDir holds the recorded cluster states.
const statesDir = "../../fixtures/states"

// fixedNow is the time the recorded states are judged at.
func fixedNow() time.Time { return time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC) }

// rootCauses is the root cause each recorded state must produce.
func rootCauses() map[string]string {
	return map[string]string{
		"healthy":                               "",
		"healthy-1.16":                          "",
		"v116-local-secrets-backend":            "secrets-mode",
		"readonly-no-sync-outside-namespace":    "secret-location",
		"terminating-missing-tls-key":           "secret-keys",
		"originating-tls-under-sync":            "secret-keys",
		"originating-missing-ca-crt":            "secret-keys",
		"certificate-not-ready":                 "certificates",
		"certificate-expired":                   "certificates",
		"san-not-covering":                      "certificate-sans",
		"no-dns-rule":                           "dns-rule",
		"no-http-rule":                          "http-rule",
		"selector-mismatch":                     "policy-selects-workload",
		"pod-started-before-cilium":             "endpoints-managed",
		"https-proxy-env":                       "proxy-env",
		"l7-proxy-disabled":                     "l7-proxy",
		"envoy-not-ready":                       "envoy",
		"agent-log-tls-context-error":           "agent-logs",
		"servername-wildcard-1.17":              "policies-accepted",
		"policy-rejected":                       "policies-accepted",
		"byo-secret-san-missing":                "certificate-sans",
		"workload-trusts-other-ca":              "ca-trust",
		"dns-rule-other-pods":                   "dns-rule",
		"sync-secrets-inside-secrets-namespace": "secret-location",
		"secret-not-synced":                     "secret-synced",
		"endpoint-no-redirect":                  "endpoint-redirect",
		"fqdn-not-learned":                      "fqdn-learned",
		"envoy-secret-not-supplied":             "envoy-secrets",
		"envoy-old-serial":                      "envoy-secrets",
		"hubble-l4-only":                        "hubble-flows",
		"hubble-tls-error":                      "hubble-flows",
		"shared-address":                        "shared-address",
		"upstream-trust-missing":                "upstream-trust",
		"upstream-asks-client-cert":             "upstream-client-cert",
		"envoy-not-on-node":                     "envoy",
		"port-not-covered":                      "uncovered-port",
		"http-denied":                           "",
		"endpoint-proxy-ack-timeout":            "agent-logs",
	}
}

func runDump(t *testing.T, name string) *Report {
	t.Helper()
	rep, err := Run(context.Background(), DumpSource{Dir: filepath.Join(statesDir, name)}, Options{Now: fixedNow})
	if err != nil {
		t.Fatalf("Run(%s): %v", name, err)
	}
	return rep
}

func TestRootCauseOfEachRecordedState(t *testing.T) {
	for name, want := range rootCauses() {
		t.Run(name, func(t *testing.T) {
			rep := runDump(t, name)
			if rep.RootCause != want {
				t.Fatalf("root cause = %q, want %q\nreport:\n%s", rep.RootCause, want, textOf(t, rep))
			}
			if want == "" && rep.Counts()[StatusSkip]+rep.Counts()[StatusUnread] != 0 {
				t.Errorf("a healthy state skipped checks:\n%s", textOf(t, rep))
			}
		})
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
