package doctor

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// envoyStats are the counters Envoy on the workload's node has counted
// since it started, for `cilium-dbg envoy admin metrics -f ssl` and `-f
// upstream_cx_connect_fail`.
type envoyStats struct {
	// downstream are the workload's handshakes with Envoy, upstream
	// Envoy's with the real servers that completed.
	downstream, upstream int
	// verifyErrors are server certificates Envoy rejected (the chain does
	// not lead to a CA of the upstream trust); handshakeErrors are other
	// failed handshakes (an alert from the server, no common version).
	verifyErrors, handshakeErrors int
}

// sslText prints the Envoy-wide TLS counters as Envoy's admin prints
// /stats/prometheus?filter=ssl (source/server/admin/prometheus_stats.cc and
// its grouped renderer): "# TYPE name counter" then "name{} value" per
// stat, grouped by the tag-extracted name in sorted order. The counters are
// Envoy's ALL_SSL_STATS (source/common/tls/stats.h) plus the cipher, curve
// and version counters of the handshakes that completed; with no handshake
// at all Envoy would print nothing. ssl.connection_error counts failed
// handshakes other than verification failures (SslSocket::drainErrorQueue
// counts CERTIFICATE_VERIFY_FAILED as fail_verify_error instead);
// ssl.no_certificate counts the peers that showed none (every workload).
func (s envoyStats) sslText() string {
	done := s.downstream + s.upstream
	if done+s.verifyErrors+s.handshakeErrors == 0 {
		return "\n"
	}
	counters := map[string]int{
		"connection_error": s.handshakeErrors, "handshake": done, "session_reused": 0, "no_certificate": s.downstream,
		"fail_verify_no_cert": 0, "fail_verify_error": s.verifyErrors, "fail_verify_san": 0, "fail_verify_cert_hash": 0,
		"ocsp_staple_failed": 0, "ocsp_staple_omitted": 0, "ocsp_staple_responses": 0, "ocsp_staple_requests": 0,
		"was_key_usage_invalid": 0,
	}
	if done > 0 {
		counters["ciphers.TLS_AES_128_GCM_SHA256"] = done
		counters["curves.X25519"] = done
		counters["versions.TLSv1.3"] = done
	}
	names := make([]string, 0, len(counters))
	for n := range counters {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		name := "envoy_ssl_" + strings.NewReplacer(".", "_", "-", "_").Replace(n)
		fmt.Fprintf(&b, "# TYPE %s counter\n%s{} %d\n", name, name, counters[n])
	}
	return b.String() + "\n"
}

// connectFailText prints /stats/prometheus?filter=upstream_cx_connect_fail:
// one counter per cluster of Cilium's Envoy bootstrap (1.20 adds
// /cilium-locality-cluster), tagged with envoy_cluster_name. A failed TLS
// handshake with the server fails the connection before it is established.
func (s envoyStats) connectFailText(minor int) string {
	clusters := []string{"/envoy-admin", "egress-cluster", egressTLSCluster, "ingress-cluster", "ingress-cluster-tls", "xds-grpc-cilium"}
	if minor >= 20 {
		clusters = append([]string{"/cilium-locality-cluster"}, clusters...)
	}
	const name = "envoy_cluster_upstream_cx_connect_fail"
	var b strings.Builder
	fmt.Fprintf(&b, "# TYPE %s counter\n", name)
	for _, c := range clusters {
		n := 0
		if c == egressTLSCluster {
			n = s.verifyErrors + s.handshakeErrors
		}
		fmt.Fprintf(&b, "%s{envoy_cluster_name=%q} %d\n", name, c, n)
	}
	return b.String() + "\n"
}

// TestRecordedMetricsParse reads every recorded metrics answer with
// Prometheus' own text parser (expfmt, what a Prometheus server scraping
// Envoy runs) and with the doctor's, and expects the same samples.
func TestRecordedMetricsParse(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(statesDir, "*", DatapathDir, "*", "envoy-admin-metrics-*.out"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no recorded metrics (%v)", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		p := expfmt.NewTextParser(model.LegacyValidation)
		fams, err := p.TextToMetricFamilies(strings.NewReader(string(b)))
		if err != nil {
			t.Errorf("%s: Prometheus' parser: %v", f, err)
			continue
		}
		ours, err := parseEnvoyMetrics(string(b))
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		n := 0
		for name, fam := range fams {
			for _, m := range fam.GetMetric() {
				n++
				labels := map[string]string{}
				for _, l := range m.GetLabel() {
					labels[l.GetName()] = l.GetValue()
				}
				if v, ok := ours.value(name, labels); !ok || v != m.GetCounter().GetValue() {
					t.Errorf("%s: %s%v = %v, %v; Prometheus reads %v", f, name, labels, v, ok, m.GetCounter().GetValue())
				}
			}
		}
		got := 0
		for _, s := range ours {
			got += len(s)
		}
		if got != n {
			t.Errorf("%s: the doctor reads %d samples, Prometheus %d", f, got, n)
		}
	}
}

func TestParseEnvoyMetrics(t *testing.T) {
	m, err := parseEnvoyMetrics("# TYPE a counter\na{} 3\nb{x=\"1\",y=\"q\\\"uote\"} 4\n\nc 5\n")
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := m.value("b", map[string]string{"y": `q"uote`}); v != 4 {
		t.Errorf("b = %v", v)
	}
	if v, ok := m.value("c", nil); !ok || v != 5 {
		t.Errorf("c = %v %v", v, ok)
	}
	for _, bad := range []string{"{\"configs\": []}", "Error: cannot get metrics: failed to call", "a{x=\"1} 2"} {
		if _, err := parseEnvoyMetrics(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}
