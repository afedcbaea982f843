package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestHandler(t *testing.T) {
	srv := httptest.NewTLSServer(newHandler())
	defer srv.Close()
	cases := []struct {
		method, path string
		wantCode     int
		wantBody     string
	}{
		{"GET", "/meta", 200, `"fake_upstream":true`},
		{"GET", "/meta", 200, `"hooks":["192.0.2.0/24"]`},
		{"GET", "/healthz", 200, "ok"},
		{"POST", "/repos/x/y/issues", 200, `"method":"POST"`},
		{"GET", "/", 200, `"path":"/"`},
		{"GET", "/some/where", 200, `"path":"/some/where"`},
	}
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, srv.URL+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.wantCode || !strings.Contains(string(body), tc.wantBody) {
				t.Errorf("%d %s, want %d and %s", resp.StatusCode, body, tc.wantCode, tc.wantBody)
			}
		})
	}
}

func TestMetaIsJSON(t *testing.T) {
	rec := httptest.NewRecorder()
	newHandler().ServeHTTP(rec, httptest.NewRequest("GET", "https://api.github.com/meta", nil))
	var m struct{ Host string }
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("/meta is not JSON: %v: %s", err, rec.Body)
	}
	if m.Host != "api.github.com" || rec.Header().Get("Content-Type") != "application/json; charset=utf-8" {
		t.Errorf("meta %+v, content type %q", m, rec.Header().Get("Content-Type"))
	}
}

// TestRunServesTLS runs the program's server with certificate files, as
// the container does, and requests it with the certificate's name.
func TestRunServesTLS(t *testing.T) {
	dir := t.TempDir()
	pool := writeCert(t, dir, "api.github.com")
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, options{addr: "127.0.0.1:0", certFile: filepath.Join(dir, "tls.crt"), keyFile: filepath.Join(dir, "tls.key")},
			func(addr string) { addrc <- addr })
	}()
	addr := <-addrc
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "api.github.com"}}}
	resp, err := client.Get("https://" + addr + "/meta")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("status %d", resp.StatusCode)
	}
	cancel()
	if err := <-errc; err != nil {
		t.Errorf("run after cancel: %v", err)
	}
}

func TestRunMissingCertificate(t *testing.T) {
	err := run(context.Background(), options{addr: "127.0.0.1:0", certFile: "/nonexistent/tls.crt", keyFile: "/nonexistent/tls.key"}, func(string) {})
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/tls.crt") {
		t.Fatalf("error %v, want one naming the missing certificate", err)
	}
}

// writeCert writes a self-signed tls.crt and tls.key for name into dir.
func writeCert(t *testing.T, dir, name string) *x509.CertPool {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	must(t, os.WriteFile(filepath.Join(dir, "tls.crt"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	must(t, os.WriteFile(filepath.Join(dir, "tls.key"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600))
	c, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(c)
	return pool
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestHeadersEchoesDigests: /headers lists every received header with the
// SHA-256 of each value, never the value.
func TestHeadersEchoesDigests(t *testing.T) {
	const token = "Bearer fake-upstream-test-token"
	req := httptest.NewRequest("GET", "https://api.github.com/headers", nil)
	req.Header.Set("Authorization", token)
	req.Header.Add("X-Multi", "a")
	req.Header.Add("X-Multi", "b")
	rec := httptest.NewRecorder()
	newHandler().ServeHTTP(rec, req)
	if strings.Contains(rec.Body.String(), "fake-upstream-test-token") {
		t.Fatalf("/headers echoes a value: %s", rec.Body)
	}
	var got receivedHeaders
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatalf("/headers is not JSON: %v: %s", err, rec.Body)
	}
	want := map[string][]string{"Authorization": {headerDigest(token)}, "X-Multi": {headerDigest("a"), headerDigest("b")}}
	for name, w := range want {
		if g := got.Headers[name]; strings.Join(g, ",") != strings.Join(w, ",") {
			t.Errorf("%s: %v, want %v", name, g, w)
		}
	}
	if !got.FakeUpstream || got.Host != "api.github.com" {
		t.Errorf("%+v", got)
	}
	if headerDigest("abc") != "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf("headerDigest(abc) = %s, not SHA-256", headerDigest("abc"))
	}
}
