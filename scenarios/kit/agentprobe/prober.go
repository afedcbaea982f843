package agentprobe

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cilium-tls-intercept/sandbox/sandbox/dnsanswer"
	"github.com/cilium-tls-intercept/sandbox/sandbox/envoystandin"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/probe"
)

// curl's exit codes the prober reproduces.
const (
	curlResolve = 6  // could not resolve host
	curlTimeout = 28 // operation timed out
	curlTLS     = 35 // TLS connect error
)

// Prober makes requests as the workload would, in the agent provider's world.
type Prober struct {
	// World is the agent tier; Answers the DNS answers it is given.
	World   World
	Answers dnsanswer.Answers
	// PodCA is the CA bundle the workload trusts (the sandbox CA).
	PodCA *x509.CertPool
	// Upstream answers every connection that leaves the cluster.
	Upstream *Upstream
	// Now is the verification time; time.Now when nil.
	Now func() time.Time
}

// Probe makes the request and classifies what answered with probe.Classify.
// Its error is for a probe that could not run (a bad request, a world that
// cannot be built); every outcome of the request itself is in the Result.
func (p *Prober) Probe(ctx context.Context, req probe.Request) (probe.Result, error) {
	cmd := []string{"agentprobe", methodOf(req), req.URL}
	u, err := url.Parse(req.URL)
	if err != nil || u.Scheme != "https" || u.Hostname() == "" {
		return probe.Result{Command: cmd}, fmt.Errorf("request url %q: want https://host/path", req.URL)
	}
	port := uint16(443)
	if s := u.Port(); s != "" {
		n, err := strconv.ParseUint(s, 10, 16)
		if err != nil {
			return probe.Result{Command: cmd}, fmt.Errorf("request url %q: port %q", req.URL, s)
		}
		port = uint16(n)
	}
	view, err := p.World.View(ctx, p.Answers)
	if err != nil {
		return probe.Result{Command: cmd}, fmt.Errorf("agent world for %s: %w", req.URL, err)
	}
	maxTime := req.MaxTime
	if maxTime <= 0 {
		maxTime = probe.DefaultMaxTime
	}
	ctx, cancel := context.WithTimeout(ctx, maxTime)
	defer cancel()
	resp := p.request(ctx, view, u, port, outgoing{method: methodOf(req), header: req.Header})
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	r := probe.Classify(resp, u.Hostname(), p.PodCA, now())
	r.Command = cmd
	return r, nil
}

func methodOf(req probe.Request) string {
	if req.Method == "" {
		return http.MethodGet
	}
	return req.Method
}

// outgoing is what the client sends besides the URL: the method and
// headers ("Name: value", as curl --header takes them).
type outgoing struct {
	method string
	header []string
}

// request follows the connection: DNS, the policy map, then straight out
// or through the Envoy stand-in.
func (p *Prober) request(ctx context.Context, view *View, u *url.URL, port uint16, method outgoing) *probe.Response {
	addrs := p.Answers.Addrs(u.Hostname())
	if len(addrs) == 0 {
		return &probe.Response{ExitCode: curlResolve, Stderr: "curl: (6) Could not resolve host: " + u.Hostname()}
	}
	remote := netip.AddrPortFrom(addrs[0], port)
	id, ok := view.Envoy.IPCache.Identity(remote.Addr())
	if !ok {
		id = envoystandin.WorldIdentity
	}
	switch view.Egress(id, port) {
	case PathDrop:
		<-ctx.Done() // the SYN is dropped: curl waits out its time
		return &probe.Response{ExitCode: curlTimeout, Stderr: fmt.Sprintf("curl: (28) Connection timed out (policy map drops egress to %s, identity %d)", remote, id)}
	case PathAllow:
		return p.direct(ctx, u, method, fmt.Sprintf("allowed without a proxy to %s (identity %d)", remote, id))
	}
	return p.viaStandIn(ctx, view.Envoy, remote, u, method)
}

// direct connects to the upstream as a connection that is not redirected,
// or that Envoy passes through, does.
func (p *Prober) direct(ctx context.Context, u *url.URL, method outgoing, why string) *probe.Response {
	conn, err := dialTLS(ctx, p.Upstream.Addr(), u.Hostname())
	if err != nil {
		return tlsFailure(err, why)
	}
	defer conn.Close()
	return exchange(ctx, conn, u, method)
}

// dialTLS connects and handshakes with SNI name, accepting any chain (as
// curl --insecure does; the classifier verifies it).
func dialTLS(ctx context.Context, addr, name string) (*tls.Conn, error) {
	raw, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	conn := tls.Client(raw, &tls.Config{ServerName: name, InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}) //nolint:gosec // the chain is captured and verified by probe.Classify
	if err := conn.HandshakeContext(ctx); err != nil {
		raw.Close()
		return nil, err
	}
	return conn, nil
}

// exchange sends the request over conn and reads the answer, with the
// served chain.
func exchange(ctx context.Context, conn *tls.Conn, u *url.URL, method outgoing) *probe.Response {
	chain := conn.ConnectionState().PeerCertificates
	if d, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(d)
	}
	req, err := http.NewRequestWithContext(ctx, method.method, u.String(), nil)
	if err != nil {
		return &probe.Response{ExitCode: 3, Chain: chain, Stderr: err.Error()}
	}
	for _, h := range method.header {
		name, value, ok := strings.Cut(h, ":")
		if !ok {
			return &probe.Response{ExitCode: 2, Stderr: fmt.Sprintf("curl: header %q is not Name: value", h)}
		}
		req.Header.Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	if err := req.Write(conn); err != nil {
		return &probe.Response{ExitCode: 55, Chain: chain, Stderr: "curl: (55) " + err.Error()}
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		code := 56
		if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
			code = curlTimeout
		}
		return &probe.Response{ExitCode: code, Chain: chain, Stderr: fmt.Sprintf("curl: (%d) %v", code, err)}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return &probe.Response{HTTPCode: resp.StatusCode, Chain: chain, Body: body}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// tlsFailure is curl's view of a failed connect or handshake.
func tlsFailure(err error, why string) *probe.Response {
	if isTimeout(err) {
		return &probe.Response{ExitCode: curlTimeout, Stderr: fmt.Sprintf("curl: (28) %v (%s)", err, why)}
	}
	return &probe.Response{ExitCode: curlTLS, Stderr: fmt.Sprintf("curl: (35) %v (%s)", err, why)}
}
