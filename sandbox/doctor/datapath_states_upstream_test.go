package doctor

import (
	"fmt"
	"testing"

	flowpb "github.com/cilium/cilium/api/v1/flow"
	"github.com/cilium/cilium/api/v1/models"
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
		// A connection to api.github.com on 8443, which no TLS rule covers,
		// 90 seconds after an intercepted one on 443.
		"port-not-covered": func(t *testing.T, dir string) datapathFixture {
			f := baseFixture(t, dir)
			other := onPort(f.connection(90, 40777, "140.82.112.6", 16777218, []string{"api.github.com"}, flowPolicyDenied), 8443)
			f.flows = append(other, f.flows...)
			return f
		},
		// The github group allows GET /meta only: POST /meta and GET
		// /denied-by-policy get Envoy's 403 after an allowed GET /meta.
		"http-denied": func(t *testing.T, dir string) datapathFixture {
			f := baseFixture(t, dir)
			f.githubHTTP = []map[string]any{{"method": "GET", "path": "/meta"}}
			post := l7Denied(f.connection(30, 40321, "140.82.112.6", 16777218, []string{"api.github.com"}, flowIntercepted), "POST", "https://api.github.com/meta")
			other := l7Denied(f.connection(60, 40518, "140.82.112.6", 16777218, []string{"api.github.com"}, flowIntercepted), "GET", "https://api.github.com/denied-by-policy")
			f.flows = append(append(other, post...), f.flows...)
			f.stats = envoyStats{downstream: 3, upstream: 1}
			return f
		},
		// Revision 12 (the github rule allows GET /meta only) was written
		// to the BPF map, but Envoy never acknowledged it: the endpoint
		// stays at realized revision 11, Envoy at 11.
		"endpoint-proxy-ack-timeout": func(t *testing.T, dir string) datapathFixture {
			f := baseFixture(t, dir)
			ids := []int64{102, 16777217, 16777218}
			f.githubHTTP = []map[string]any{{"method": "GET", "path": "/meta"}}
			ep := f.makeEndpoint(12, 31025, ids, nil)
			prev := f
			prev.githubHTTP = nil
			ep.Status.Policy.Realized = prev.makeEndpoint(11, 31025, ids, nil).Status.Policy.Realized
			ep.Status.Policy.ProxyPolicyRevision = 11
			const failed = "error waiting for proxy network policy update: proxy state changes failed: context deadline exceeded"
			ep.Status.Log = append([]*models.EndpointStatusChange{
				{Code: "Failure", Message: "Error regenerating endpoint: " + failed, State: "ready", Timestamp: "2026-11-26T09:13:10Z"},
				{Code: "Failure", Message: "Policy error during endpoint regeneration: " + failed, State: "ready", Timestamp: "2026-11-26T09:13:10Z"},
			}, ep.Status.Log...)
			f.endpoint = ep
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

// onPort moves a connection's flows to another destination port.
func onPort(flows []*flowpb.Flow, port uint32) []*flowpb.Flow {
	for _, f := range flows {
		f.GetL4().GetTCP().DestinationPort = port
	}
	return flows
}

// l7Denied turns an intercepted connection's request into one an HTTP rule
// denied: Envoy logs it as denied (Hubble: an L7 request with verdict
// DROPPED), answers 403 itself and opens no upstream connection
// (cilium/proxy l7policy.cc decodeHeaders, encodeHeaders).
func l7Denied(flows []*flowpb.Flow, method, url string) []*flowpb.Flow {
	var out []*flowpb.Flow
	for _, f := range flows {
		if f.GetTraceObservationPoint() == flowpb.TraceObservationPoint_FROM_PROXY {
			continue
		}
		if h := f.GetL7().GetHttp(); h != nil {
			h.Method, h.Url = method, url
			if f.GetL7().GetType() == flowpb.L7FlowType_REQUEST {
				f.Verdict = flowpb.Verdict_DROPPED
			} else {
				h.Code = 403
			}
		}
		out = append(out, f)
	}
	return out
}
