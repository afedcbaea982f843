package doctor

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestUpstreamTrustJudgement: verification failures fail the check only
// while the workload's last response is Envoy's 503; older failures, or no
// Hubble to tell, warn; counters that cannot be read are unread.
func TestUpstreamTrustJudgement(t *testing.T) {
	cases := []struct {
		name   string
		change func(*datapathFixture)
		status Status
		want   string
	}{
		{"last request succeeded", func(f *datapathFixture) {
			ok := f.connection(120, 40999, "140.82.112.6", 16777218, []string{"api.github.com"}, flowIntercepted)
			f.flows = append(ok, f.flows...)
		}, StatusWarn, "the workload's last response, to GET https://api.github.com/meta, was 200: the failures are older"},
		{"no response in Hubble", func(f *datapathFixture) {
			f.flows = f.connection(0, 40112, "140.82.112.6", 16777218, []string{"api.github.com"}, flowUpstreamFailed)[1:] // no response record
		}, StatusWarn, "Hubble has no L7 response to the workload"},
		{"counters unread", func(f *datapathFixture) {
			f.failed = map[string]string{cmdEnvoyMetrics(metricsFilterTLS).file: noAdminSocket("metrics", "stats/prometheus?filter=ssl")}
		}, StatusUnread, "`cilium-dbg envoy admin metrics -f ssl` in kube-system/cilium-lk9vd exited with code 1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep := runWithDatapath(t, "upstream-trust-missing", c.change)
			f := rep.Finding("upstream-trust")
			if f.Status != c.status || !strings.Contains(f.Reason, c.want) {
				t.Fatalf("upstream-trust = %s %q, want %s with %q", f.Status, f.Reason, c.status, c.want)
			}
		})
	}
	t.Run("Hubble unread", func(t *testing.T) {
		st, err := DumpSource{Dir: filepath.Join(statesDir, "upstream-trust-missing")}.Gather(context.Background(), Scope{})
		if err != nil {
			t.Fatal(err)
		}
		st.Flows = nil
		st.markMissing(KindHubbleFlow, "no Hubble Relay")
		f := Evaluate(st, Options{Now: fixedNow}).Finding("upstream-trust")
		if f.Status != StatusWarn || !strings.Contains(f.Reason, "Hubble was not read") || !strings.Contains(f.Fix, "Bundle intercept-upstream-ca") {
			t.Fatalf("upstream-trust = %s %q (fix %q), want a warning naming the Bundle in its fix", f.Status, f.Reason, f.Fix)
		}
	})
}

// TestUpstreamClientCertWithoutLog: with no TLS_error line (Envoy at its
// default info level), handshakes failing beyond verification while the
// workload gets 503 still fail, hedged, and say how to confirm.
func TestUpstreamClientCertWithoutLog(t *testing.T) {
	st, err := DumpSource{Dir: filepath.Join(statesDir, "upstream-asks-client-cert")}.Gather(context.Background(), Scope{})
	if err != nil {
		t.Fatal(err)
	}
	st.EnvoyLogs = nil
	f := Evaluate(st, Options{Now: fixedNow}).Finding("upstream-client-cert")
	if f.Status != StatusFail || !strings.Contains(f.Reason, "most often the server asks for a client certificate") ||
		!strings.Contains(f.Reason, "cilium/cilium#45632") || !strings.Contains(f.Fix, "cilium-dbg envoy admin logging set loggers connection=debug") {
		t.Fatalf("upstream-client-cert = %s %q (fix %q)", f.Status, f.Reason, f.Fix)
	}
	if ev := strings.Join(f.Evidence, "\n"); !strings.Contains(ev, "Envoy logged no TLS_error line (no log of Envoy on node cilium-tls-intercept-worker was read)") {
		t.Errorf("evidence does not say no Envoy log was read:\n%s", ev)
	}
}
