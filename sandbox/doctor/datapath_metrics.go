package doctor

import (
	"fmt"
	"strconv"
	"strings"
)

// Envoy's counters, read with `cilium-dbg envoy admin metrics -f REGEX`
// (1.16 to 1.20: cilium-dbg/cmd/envoy_admin_metrics.go asks Envoy's admin
// for /stats/prometheus?filter=REGEX through the admin socket the agent and
// Envoy share, and prints the answer). Envoy matches the regex against the
// stats' own names (ssl.fail_verify_error) and prints them in Prometheus'
// text format with its tags as labels (source/server/admin/
// prometheus_stats.cc): "# TYPE envoy_ssl_fail_verify_error counter", then
// "envoy_ssl_fail_verify_error{} 3".
//
// Cilium's Envoy builds the TLS contexts of the policies in its server
// scope (cilium/proxy cilium/secret_watcher.cc, TLSContext, in the proxy
// releases of Cilium 1.16 to 1.20), so the TLS counters are Envoy-wide:
// ssl.handshake and ssl.connection_error count both the workload's
// handshakes with Envoy and Envoy's with the real servers, while
// ssl.fail_verify_error counts only Envoy's verification of the servers
// (downstream contexts verify no client from 1.16.0). Per cluster, Envoy
// counts the upstream connections that failed before they were
// established, a failed TLS handshake included:
// cluster.egress-cluster-tls.upstream_cx_connect_fail, the cluster Cilium's
// Envoy bootstrap sends intercepted traffic through.

// metricsFilterTLS and metricsFilterConnectFail are the filters the doctor
// asks with: plain words, which need no escaping in the query string
// cilium-dbg builds without escaping it.
const (
	metricsFilterTLS         = "ssl"
	metricsFilterConnectFail = "upstream_cx_connect_fail"
	// egressTLSCluster is the cluster Cilium's Envoy sends originated TLS
	// through (the bootstrap of the agent's embedded Envoy and of the
	// cilium-envoy DaemonSet's ConfigMap, 1.16 to 1.20).
	egressTLSCluster = "egress-cluster-tls"
)

func cmdEnvoyMetrics(filter string) agentCommand {
	file := "envoy-admin-metrics-" + strings.ReplaceAll(filter, "_", "-") + ".out"
	return agentCommand{[]string{"envoy", "admin", "metrics", "-f", filter}, file}
}

// envoyMetric is one sample of Envoy's Prometheus output.
type envoyMetric struct {
	Name   string
	Labels map[string]string
	Value  float64
}

// envoyMetrics are the samples of one answer, by name.
type envoyMetrics map[string][]envoyMetric

// parseEnvoyMetrics reads Prometheus' text format as Envoy writes it:
// comment lines, blank lines and `name{label="value",...} value` samples.
// An answer that is not that format (an error page, JSON) is an error
// naming the line.
func parseEnvoyMetrics(out string) (envoyMetrics, error) {
	m := envoyMetrics{}
	for n, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		s, err := parseSample(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n+1, err)
		}
		m[s.Name] = append(m[s.Name], s)
	}
	return m, nil
}

func parseSample(line string) (envoyMetric, error) {
	sp := strings.LastIndexByte(line, ' ')
	if sp < 0 {
		return envoyMetric{}, fmt.Errorf("no value in %q", line)
	}
	v, err := strconv.ParseFloat(line[sp+1:], 64)
	if err != nil {
		return envoyMetric{}, fmt.Errorf("value of %q: %w", line, err)
	}
	s := envoyMetric{Value: v, Labels: map[string]string{}}
	head := strings.TrimSpace(line[:sp])
	name, labels, hasLabels := strings.Cut(head, "{")
	s.Name = name
	if s.Name == "" || strings.ContainsAny(s.Name, " \"}") {
		return envoyMetric{}, fmt.Errorf("no metric name in %q", line)
	}
	if !hasLabels {
		return s, nil
	}
	labels, ok := strings.CutSuffix(labels, "}")
	if !ok {
		return envoyMetric{}, fmt.Errorf("unterminated labels in %q", line)
	}
	for labels != "" {
		k, rest, found := strings.Cut(labels, `="`)
		if !found {
			return envoyMetric{}, fmt.Errorf("label without a quoted value in %q", line)
		}
		val, after, err := quotedValue(rest)
		if err != nil {
			return envoyMetric{}, fmt.Errorf("%w in %q", err, line)
		}
		s.Labels[strings.TrimSpace(k)] = val
		labels = strings.TrimPrefix(after, ",")
	}
	return s, nil
}

// quotedValue reads a label value up to its closing quote (the opening one
// already consumed), undoing Prometheus' escapes.
func quotedValue(s string) (value, rest string, err error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s):
			i++
			if s[i] == 'n' {
				b.WriteByte('\n')
			} else {
				b.WriteByte(s[i])
			}
		case c == '"':
			return b.String(), s[i+1:], nil
		default:
			b.WriteByte(c)
		}
	}
	return "", "", fmt.Errorf("unterminated label value")
}

// value returns the sum of the samples of name whose labels hold want, and
// whether there was any.
func (m envoyMetrics) value(name string, want map[string]string) (float64, bool) {
	total, found := 0.0, false
	for _, s := range m[name] {
		match := true
		for k, v := range want {
			if s.Labels[k] != v {
				match = false
			}
		}
		if match {
			total, found = total+s.Value, true
		}
	}
	return total, found
}

// tlsCounters are Envoy's TLS counters, Envoy-wide, and the failed
// connections of the egress TLS cluster.
type tlsCounters struct {
	// any: Envoy has TLS counters at all (it created a TLS context).
	any                                   bool
	handshakes, connectionErrors          float64
	verifyErrors, verifySAN, verifyNoCert float64
	connectFails                          float64
}

// verifyFailures counts the server certificates Envoy rejected.
func (c tlsCounters) verifyFailures() float64 { return c.verifyErrors + c.verifySAN + c.verifyNoCert }

// readTLSCounters picks the counters the upstream checks read out of the
// two answers.
func readTLSCounters(tls, connect envoyMetrics) tlsCounters {
	var c tlsCounters
	get := func(m envoyMetrics, stat string, labels map[string]string) float64 {
		v, ok := m.value("envoy_"+strings.ReplaceAll(stat, ".", "_"), labels)
		c.any = c.any || (ok && strings.HasPrefix(stat, "ssl."))
		return v
	}
	c.handshakes = get(tls, "ssl.handshake", nil)
	c.connectionErrors = get(tls, "ssl.connection_error", nil)
	c.verifyErrors = get(tls, "ssl.fail_verify_error", nil)
	c.verifySAN = get(tls, "ssl.fail_verify_san", nil)
	c.verifyNoCert = get(tls, "ssl.fail_verify_no_cert", nil)
	c.connectFails = get(connect, "cluster.upstream_cx_connect_fail", map[string]string{"envoy_cluster_name": egressTLSCluster})
	return c
}

// evidence lists the counters for a finding.
func (c tlsCounters) evidence(node string) []string {
	if !c.any {
		return []string{fmt.Sprintf("Envoy on node %s: no ssl.* counters (it has made no TLS context yet)", node)}
	}
	return []string{
		fmt.Sprintf("Envoy on node %s, since it started (Envoy-wide, both directions): ssl.handshake %g, ssl.connection_error %g, ssl.fail_verify_error %g, ssl.fail_verify_san %g, ssl.fail_verify_no_cert %g",
			node, c.handshakes, c.connectionErrors, c.verifyErrors, c.verifySAN, c.verifyNoCert),
		fmt.Sprintf("Envoy on node %s: cluster %s upstream_cx_connect_fail %g (connections to the real servers that failed before they were established)", node, egressTLSCluster, c.connectFails),
	}
}
