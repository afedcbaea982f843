package envoystandin

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	cilium "github.com/cilium/proxy/go/cilium/api"
)

// handshake runs a TLS handshake between server and client over a
// loopback TCP connection, whose buffers let either side write an alert
// while the other still writes.
func handshake(t *testing.T, server, client *tls.Config) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	errs := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			errs <- err
			return
		}
		defer c.Close()
		errs <- tls.Server(c, server).HandshakeContext(ctx)
	}()
	c, err := (&net.Dialer{}).DialContext(ctx, "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	err = tls.Client(c, client).HandshakeContext(ctx)
	if err == nil {
		_, err = c.Read(make([]byte, 1)) // TLS 1.3: the server's verdict on our certificate
		if errors.Is(err, io.EOF) {
			err = nil
		}
	}
	c.Close()
	serr := <-errs
	if err != nil {
		return err
	}
	return serr
}

// TestTerminateAndOriginate hands a pod's client the chosen rule's leaf and
// the upstream the rule's trust; an inline trusted CA on the downstream
// context (K1) makes Envoy demand a client certificate.
func TestTerminateAndOriginate(t *testing.T) {
	sandboxCA, upstreamCA := newTestCA(t, "sandbox CA"), newTestCA(t, "upstream CA")
	chain, key := sandboxCA.leaf(t, "api.github.com")
	upChain, upKey := upstreamCA.leaf(t, "api.github.com")
	s := distinctNPDS()
	s.Secrets = Secrets{
		"cilium-secrets/intercept-github-tls":  tlsSecret("cilium-secrets/intercept-github-tls", chain, key),
		"cilium-secrets/intercept-upstream-ca": caSecret("cilium-secrets/intercept-upstream-ca", upstreamCA.pem),
	}
	d, err := s.Decide(conn("10.0.0.1", "api.github.com"))
	if err != nil {
		t.Fatal(err)
	}
	srv, _, err := s.ServerTLS(d)
	if err != nil {
		t.Fatal(err)
	}
	pod := x509.NewCertPool()
	pod.AddCert(sandboxCA.cert)
	if err := handshake(t, srv, &tls.Config{RootCAs: pod, ServerName: "api.github.com"}); err != nil {
		t.Errorf("pod to stand-in: %v", err)
	}
	up, name, err := s.UpstreamTLS(d)
	if err != nil || name != "cilium-secrets/intercept-upstream-ca" {
		t.Fatalf("UpstreamTLS = %v, %v", name, err)
	}
	upCert, _ := tls.X509KeyPair(upChain, upKey)
	if err := handshake(t, &tls.Config{Certificates: []tls.Certificate{upCert}}, up); err != nil {
		t.Errorf("stand-in to upstream: %v", err)
	}
	wrong, _ := tls.X509KeyPair(sandboxCA.leaf(t, "api.github.com"))
	if err := handshake(t, &tls.Config{Certificates: []tls.Certificate{wrong}}, up); err == nil {
		t.Errorf("stand-in accepted an upstream chain outside its trusted CA")
	}

	k1 := &cilium.TLSContext{CertificateChain: string(chain), PrivateKey: string(key), TrustedCa: string(sandboxCA.pem)}
	cfg, err := serverConfig(k1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := handshake(t, cfg, &tls.Config{RootCAs: pod, ServerName: "api.github.com"}); err == nil {
		t.Errorf("a downstream context with trusted_ca accepted a client without a certificate")
	}
}
