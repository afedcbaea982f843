package agentprobe

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"github.com/cilium-tls-intercept/sandbox/sandbox/envoystandin"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/probe"
)

// upstreamFailure is the start of the body of Envoy's 503 when it cannot
// reach or verify the upstream.
const upstreamFailure = "upstream connect error or disconnect/reset before headers. reset reason: remote connection failure, transport failure reason: "

// viaStandIn takes a redirected connection through the Envoy stand-in:
// its decision, then a TLS server with the chosen context, its HTTP rules,
// and its upstream TLS to the fake upstream.
func (p *Prober) viaStandIn(ctx context.Context, s *envoystandin.StandIn, remote netip.AddrPort, u *url.URL, method outgoing) *probe.Response {
	d, err := s.Decide(envoystandin.Connection{Remote: remote, SNI: u.Hostname()})
	if err != nil {
		return tlsFailure(errors.New("connection reset by peer"), "Envoy stand-in: "+err.Error())
	}
	who := fmt.Sprintf("Envoy stand-in, identity %d", d.RemoteIdentity)
	switch {
	case d.Network != envoystandin.VerdictAllow:
		return tlsFailure(errors.New("connection reset by peer"), fmt.Sprintf("%s: network verdict %s", who, d.Network))
	case d.RawToHTTP:
		return tlsFailure(errors.New("tls: first record does not look like a TLS handshake (wrong version number)"),
			who+": no rule's TLS context applies to the SNI, so Envoy's HTTP listener reads the ClientHello as HTTP and answers 400")
	case d.Raw:
		return p.direct(ctx, u, method, who+": passed through")
	}
	cfg, _, err := s.ServerTLS(d)
	if err != nil {
		return tlsFailure(errors.New("connection reset by peer"), who+": "+err.Error())
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return tlsFailure(err, who)
	}
	defer ln.Close()
	go p.serveOne(ctx, ln, cfg, s, d)
	conn, err := dialTLS(ctx, ln.Addr().String(), u.Hostname())
	if err != nil {
		return tlsFailure(err, fmt.Sprintf("%s terminating with %s", who, d.Server))
	}
	defer conn.Close()
	return exchange(ctx, conn, u, method)
}

// serveOne is the stand-in's side of one connection: the handshake with
// the chosen context, the L7 policy filter, the upstream.
func (p *Prober) serveOne(ctx context.Context, ln net.Listener, cfg *tls.Config, s *envoystandin.StandIn, d *envoystandin.Decision) {
	raw, err := ln.Accept()
	if err != nil {
		return
	}
	defer raw.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = raw.SetDeadline(dl)
	}
	conn := tls.Server(raw, cfg)
	if err := conn.HandshakeContext(ctx); err != nil {
		return
	}
	req, err := http.ReadRequest(bufio.NewReader(conn))
	if err != nil {
		return
	}
	q := envoystandin.RequestFrom(req)
	if v := s.Authorize(d, q); !v.Allowed {
		_ = localReply(http.StatusForbidden, envoystandin.DeniedBody).Write(conn)
		return
	}
	resp, err := p.forward(ctx, s, d, q)
	if err != nil {
		_ = localReply(http.StatusServiceUnavailable, upstreamFailure+err.Error()).Write(conn)
		return
	}
	defer resp.Body.Close()
	_ = resp.Write(conn)
}

// forward sends the request, as the header matches left it, to the fake
// upstream over the chosen upstream TLS context.
func (p *Prober) forward(ctx context.Context, s *envoystandin.StandIn, d *envoystandin.Decision, q *envoystandin.Request) (*http.Response, error) {
	cfg, _, err := s.UpstreamTLS(d)
	if err != nil {
		return nil, err
	}
	raw, err := (&net.Dialer{}).DialContext(ctx, "tcp", p.Upstream.Addr())
	if err != nil {
		return nil, err
	}
	conn := tls.Client(raw, cfg)
	if err := conn.HandshakeContext(ctx); err != nil {
		raw.Close()
		return nil, envoyTLSError(err)
	}
	out, err := http.NewRequestWithContext(ctx, q.Method, "https://"+q.Authority+q.Path, nil)
	if err != nil {
		conn.Close()
		return nil, err
	}
	out.Header = q.Header
	if err := out.Write(conn); err != nil {
		conn.Close()
		return nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), out)
	if err != nil {
		conn.Close()
		return nil, err
	}
	resp.Body = closeBoth{resp.Body, conn}
	return resp, nil
}

type closeBoth struct {
	io.ReadCloser
	conn net.Conn
}

func (c closeBoth) Close() error {
	err := c.ReadCloser.Close()
	c.conn.Close()
	return err
}

// localReply is a response Envoy makes itself (sendLocalReply).
func localReply(code int, body string) *http.Response {
	return &http.Response{StatusCode: code, ProtoMajor: 1, ProtoMinor: 1, ContentLength: int64(len(body)),
		Header: http.Header{"Content-Type": {"text/plain"}}, Body: io.NopCloser(strings.NewReader(body))}
}

// envoyTLSError is the transport failure reason Envoy's 503 gives for a
// failed upstream handshake. For a certificate that does not verify it is
// BoringSSL's error string as Envoy prints it ("TLS_error:|268435581:SSL
// routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED:TLS_error_end");
// otherwise Go's error stands alone. Go's error follows in both.
func envoyTLSError(err error) error {
	var verify *tls.CertificateVerificationError
	if errors.As(err, &verify) {
		return fmt.Errorf("TLS_error:|268435581:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED:TLS_error_end (stand-in: Go's crypto/tls: %w)", err)
	}
	return fmt.Errorf("TLS_error (stand-in: Go's crypto/tls: %w)", err)
}
