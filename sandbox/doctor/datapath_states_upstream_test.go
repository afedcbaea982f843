package doctor

import (
	"fmt"
	"testing"
)

// upstreamDatapathFixtures make the data path of the states whose cause
// lies past the redirect: Envoy's handshakes with the real servers, and
// Envoy itself on the workload's node.
func upstreamDatapathFixtures() map[string]func(*testing.T, string) datapathFixture {
	return map[string]func(*testing.T, string) datapathFixture{
		// Envoy cannot verify api.github.com's public chain against a trust
		// holding only a private CA: one verification failure, Envoy's 503.
		"upstream-trust-missing": func(t *testing.T, dir string) datapathFixture {
			f := baseFixture(t, dir)
			f.stats = envoyStats{downstream: 1, verifyErrors: 1}
			f.flows = f.connection(0, 40112, "140.82.112.6", 16777218, []string{"api.github.com"}, flowUpstreamFailed)
			return f
		},
		// The server ends the handshake asking for a client certificate.
		"upstream-asks-client-cert": func(t *testing.T, dir string) datapathFixture {
			f := baseFixture(t, dir)
			f.stats = envoyStats{downstream: 1, handshakeErrors: 1}
			f.flows = f.connection(0, 40112, "140.82.112.6", 16777218, []string{"api.github.com"}, flowUpstreamFailed)
			return f
		},
		// No Envoy on the worker: the agent redirects, every envoy admin
		// command finds no admin socket, Hubble sees no L7 record.
		"envoy-not-on-node": func(t *testing.T, dir string) datapathFixture {
			f := baseFixture(t, dir)
			f.stats = envoyStats{}
			f.flows = f.connection(0, 40112, "140.82.112.6", 16777218, []string{"api.github.com"}, flowTLSError)
			f.failed = map[string]string{}
			for _, c := range []struct {
				cmd       agentCommand
				what, url string
			}{
				{cmdEnvoyCerts(), "certificates", "certs"},
				{cmdEnvoySecrets(), "config dump", "config_dump?include_eds&resource=dynamic_active_secrets"},
				{cmdEnvoyMetrics(metricsFilterTLS), "metrics", "stats/prometheus?filter=" + metricsFilterTLS},
				{cmdEnvoyMetrics(metricsFilterConnectFail), "metrics", "stats/prometheus?filter=" + metricsFilterConnectFail},
			} {
				f.failed[c.cmd.file] = noAdminSocket(c.what, c.url)
			}
			return f
		},
	}
}

// noAdminSocket is what cilium-dbg prints when no Envoy listens on the
// admin socket it shares with the agent (cilium-dbg/cmd envoy_adminclient.go
// get, then Fatalf "cannot get <what>: %s\n", which adds its own newline).
func noAdminSocket(what, path string) string {
	return fmt.Sprintf("Error: cannot get %s: failed to call %q endpoint: Get \"http://envoy-admin/%s\": dial unix /var/run/cilium/envoy/sockets/admin.sock: connect: no such file or directory\n\n", what, path, path)
}
