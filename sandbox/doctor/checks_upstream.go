package doctor

import (
	"fmt"

	flowpb "github.com/cilium/cilium/api/v1/flow"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
)

// The upstream checks look past the redirect, at Envoy's own connections
// to the real servers: a handshake Envoy fails answers the workload's
// request with a 503, which Hubble shows as Envoy's L7 response to the pod,
// while every check before this one passes.

func checkUpstreamTrust(e *env) Finding { return e.eachTarget(e.upstreamTrust) }

// upstreamTrust fails when Envoy rejected the real servers' certificates
// and the workload's last response was Envoy's 503.
func (e *env) upstreamTrust(t datapathTarget) Finding {
	in, why := e.readUpstreamInputs(t)
	if why != "" {
		return unread(why)
	}
	c := in.counters
	ev := append(c.evidence(in.node), in.responseEvidence()...)
	if !c.any {
		return skip(fmt.Sprintf("Envoy on node %s has no TLS counters: it made no TLS context yet, so there is nothing to judge", in.node))
	}
	if c.verifyFailures() == 0 {
		return pass(fmt.Sprintf("Envoy on node %s rejected no real server's certificate: no verification failure in %g handshakes since it started", in.node, c.handshakes), ev...)
	}
	ts := e.trustSourceOf(t)
	ev = append(append(ev, ts.evidence...), in.logEvidence(e, "CERTIFICATE_VERIFY_FAILED")...)
	failed := fmt.Sprintf("Envoy on node %s rejected the real server's certificate %g time(s) since it started (ssl.fail_verify_error: CERTIFICATE_VERIFY_FAILED)", in.node, c.verifyFailures())
	last := in.lastResponse()
	switch {
	case in.flowsUnread != "":
		return warn(failed+"; Hubble was not read, so whether the workload's requests still fail is unknown", ts.trustFix(), ev...)
	case last == nil:
		return warn(failed+", but Hubble has no L7 response to the workload: the failures may be another pod's", ts.trustFix(), ev...)
	case last.GetL7().GetHttp().GetCode() != 503:
		return warn(fmt.Sprintf("%s, but the workload's last response, to %s, was %d: the failures are older, or another name's", failed, request(last), last.GetL7().GetHttp().GetCode()), ts.trustFix(), ev...)
	}
	return fail(fmt.Sprintf("%s, and answered the workload's last request, %s, with 503: the upstream trust lacks the root of %s's chain. The trust: %s", failed, request(last), host(last), ts.short),
		ts.trustFix(), ev...)
}

func checkUpstreamClientCert(e *env) Finding { return e.eachTarget(e.upstreamClientCert) }

// certificateRequired is the TLS error BoringSSL reports when a TLS 1.3
// server ends the handshake because Envoy presented no client certificate
// (alert certificate_required, 116); TLS 1.2 servers send the vaguer
// handshake_failure (40) or bad_certificate (42), which other mismatches
// cause too.
const certificateRequired = "TLSV1_ALERT_CERTIFICATE_REQUIRED"

var clientCertAlerts = []string{certificateRequired, "SSLV3_ALERT_HANDSHAKE_FAILURE", "SSLV3_ALERT_BAD_CERTIFICATE"}

// upstreamClientCert fails when Envoy's handshakes with the real server
// fail for another reason than verification, after the server asked for a
// client certificate, which originating TLS cannot present under SDS.
func (e *env) upstreamClientCert(t datapathTarget) Finding {
	in, why := e.readUpstreamInputs(t)
	if why != "" {
		return unread(why)
	}
	c := in.counters
	ev := append(c.evidence(in.node), in.responseEvidence()...)
	ev = append(ev, in.logEvidence(e, clientCertAlerts...)...)
	last := in.lastResponse()
	got503 := last != nil && last.GetL7().GetHttp().GetCode() == 503
	name := "the intercepted name"
	if last != nil {
		name = host(last)
	}
	if n := len(in.tlsErrors[certificateRequired]); n > 0 && (got503 || in.flowsUnread != "") {
		return fail(fmt.Sprintf("the real server ends Envoy's TLS handshake asking for a client certificate (Envoy on node %s logged %s %d time(s)), which %s, so Envoy answers the workload with 503%s",
			in.node, certificateRequired, n, e.clientCertLimit(), lastRequest(last)), e.clientCertFix(name), ev...)
	}
	alerts := 0
	for _, a := range clientCertAlerts {
		alerts += len(in.tlsErrors[a])
	}
	if got503 && (alerts > 0 || c.connectFails > c.verifyFailures() && c.connectionErrors > 0) {
		return fail(fmt.Sprintf("Envoy on node %s fails its TLS handshakes with the real server for another reason than the server's certificate (%s upstream_cx_connect_fail %g, ssl.connection_error %g, beyond %g verification failures), and answered the workload's last request, %s, with 503: most often the server asks for a client certificate, which %s",
			in.node, egressTLSCluster, c.connectFails, c.connectionErrors, c.verifyFailures(), request(last), e.clientCertLimit()),
			"confirm in Envoy's log ("+e.envoyDebugHint()+"; "+certificateRequired+" means a client certificate was asked for, other errors a TLS version or cipher the two do not share), then: "+e.clientCertFix(name), ev...)
	}
	return pass(fmt.Sprintf("Envoy on node %s completes its TLS handshakes with the real servers: no server asked it for a client certificate", in.node), ev...)
}

// lastRequest names the workload's last request, when Hubble had it.
func lastRequest(last *flowpb.Flow) string {
	if last == nil {
		return ""
	}
	return fmt.Sprintf(" (its last request: %s)", request(last))
}

// clientCertLimit says why Envoy presents no client certificate on the
// running release (K17 in the known bugs: cilium/cilium#45632).
func (e *env) clientCertLimit() string {
	if e.usesSDS() {
		return fmt.Sprintf("Cilium %s cannot present under secret sync: it gives Envoy only the originatingTLS secret's CA as an SDS validation context, never a certificate and key (pkg/envoy toEnvoyOriginatingTLSContext; cilium/cilium#45632, open)", e.version)
	}
	if v, _ := e.configValue(ciliumtls.ConfigFullTLSContext); v == "true" {
		return "Envoy presents only when the originatingTLS secret holds tls.crt and tls.key (use-full-tls-context is true, inline mode)"
	}
	return "Cilium does not present without secret sync unless the agent runs with use-full-tls-context=true: from 1.16.0 it gives Envoy only the originatingTLS secret's ca.crt (pkg/envoy toEnvoyOriginatingTLSContext)"
}

func (e *env) clientCertFix(name string) string {
	fix := fmt.Sprintf("stop intercepting %s, so the workload's own TLS, with its client certificate, reaches the server: take it out of its intercept group's domains and into the pass-through domains (this chart: passThrough.domains)", name)
	if e.usesSDS() {
		return fix + "; no Cilium release presents a client certificate under secret sync (cilium/cilium#45632)"
	}
	return fix + "; or, without secret sync, put tls.crt and tls.key of the client certificate into the originatingTLS secret and run the agent with use-full-tls-context=true (deprecated; it also makes a terminating secret's ca.crt demand client certificates from the workload)"
}
