package agentprobe

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/upstream/fakeupstream"
)

// Upstream is an in-process HTTPS server standing in for the fake upstream:
// it presents the fake upstream's chain for every name and answers with the
// fake upstream's own handler (scenarios/kit/upstream/fakeupstream: /meta
// with JSON shaped like GitHub's, /headers with digests of the headers it
// received, every other path with a JSON echo of the request).
type Upstream struct {
	addr string
	srv  *http.Server
}

// StartUpstream serves chain and key on a loopback port until ctx is done
// or Close is called.
func StartUpstream(ctx context.Context, chainPEM, keyPEM []byte) (*Upstream, error) {
	cert, err := tls.X509KeyPair(chainPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("fake upstream certificate: %w", err)
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("fake upstream listener: %w", err)
	}
	u := &Upstream{addr: ln.Addr().String(), srv: &http.Server{Handler: upstreamHandler(), ReadHeaderTimeout: 10 * time.Second,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}}}
	go func() { _ = u.srv.ServeTLS(ln, "", "") }() // ends with Close
	go func() {
		<-ctx.Done()
		u.Close()
	}()
	return u, nil
}

// Addr is the server's loopback address.
func (u *Upstream) Addr() string { return u.addr }

// Close stops the server.
func (u *Upstream) Close() { _ = u.srv.Close() }

func upstreamHandler() http.Handler { return fakeupstream.Handler() }
