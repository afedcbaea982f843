package agentprobe

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Upstream is an in-process HTTPS server standing in for the fake upstream:
// it presents the fake upstream's chain for every name and answers as the
// fake upstream does (/meta with JSON shaped like GitHub's, every other
// path with a JSON echo of the request).
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

func upstreamHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /meta", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"verifiable_password_authentication": false, "hooks": []string{"192.0.2.0/24"},
			"fake_upstream": true, "host": r.Host})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"fake_upstream": true, "method": r.Method, "host": r.Host, "path": r.URL.Path,
			"authorization": r.Header.Get("Authorization") != ""})
	})
	return mux
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}
