package probe

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cilium-tls-intercept/sandbox/sandbox/podexec"
)

var update = flag.Bool("update", false, "re-record testdata/recorded from the local curl")

// localExecer runs the command on this machine: the real curl against
// servers on 127.0.0.1, in place of a pod.
type localExecer struct{}

func (localExecer) Exec(ctx context.Context, _ podexec.Target, argv []string) (podexec.Result, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := podexec.Result{Stdout: []byte(stdout.String()), Stderr: []byte(stderr.String())}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		res.ExitCode = exitErr.ExitCode()
		return res, nil
	}
	return res, err
}

// fixture is a set of local servers standing for the cases a scenario meets.
type fixture struct {
	sandbox *testCA
	servers map[string]string // case name -> host:port on 127.0.0.1
}

// newFixture starts: an interceptor signing with the sandbox CA that denies
// /denied with 403 (as Envoy does), a server with another CA, a plain-text
// server (handshake failure) and a server that never answers (timeout).
func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{sandbox: newTestCA(t, "sandbox CA"), servers: map[string]string{}}
	public := newTestCA(t, "public CA")
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/forbidden" {
			http.Error(w, "Forbidden by the server", http.StatusForbidden)
			return
		}
		if r.URL.Path == "/denied" {
			http.Error(w, "Access denied", http.StatusForbidden)
			return
		}
		if answer, ok := upstreamAnswers[r.URL.Path]; ok {
			answer(w)
			return
		}
		fmt.Fprint(w, `{"ok":true}`)
	})
	f.servers["intercept"] = startTLS(t, handler, f.sandbox.leaf(t, 4242, "api.github.com"))
	f.servers["public"] = startTLS(t, handler, public.leaf(t, 77, "api.github.com"))
	f.servers["wrongname"] = startTLS(t, handler, f.sandbox.leaf(t, 5, "other.example"))
	f.servers["refused"] = closedPort(t)
	f.servers["plaintext"] = startRaw(t, func(c net.Conn) {
		io.WriteString(c, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
		c.Close()
	})
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	f.servers["silent"] = startRaw(t, func(c net.Conn) {
		go func() { <-done; c.Close() }()
	})
	return f
}

// closedPort returns a local address nothing listens on: curl exits 7.
func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func startTLS(t *testing.T, h http.Handler, cert tls.Certificate) string {
	s := httptest.NewUnstartedServer(h)
	s.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	s.StartTLS()
	t.Cleanup(s.Close)
	return s.Listener.Addr().String()
}

func startRaw(t *testing.T, serve func(net.Conn)) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			serve(c)
		}
	}()
	return l.Addr().String()
}

// request returns a request for https://api.github.com<path> sent to the
// case's local server.
func (f *fixture) request(name, method, path string) Request {
	_, port, _ := net.SplitHostPort(f.servers[name])
	return Request{
		URL:     "https://api.github.com:" + port + path,
		Method:  method,
		Resolve: []string{"api.github.com:" + port + ":127.0.0.1"},
		MaxTime: 2 * time.Second,
	}
}

// probeCases are the outcomes a scenario distinguishes.
var probeCases = []struct {
	name, server, method, path string
	want                       Expectation
	httpCode                   int
}{
	{"intercepted", "intercept", "GET", "/meta", Intercepted, 200},
	{"denied", "intercept", "POST", "/denied", Denied403, 403},
	{"upstream-403", "intercept", "GET", "/forbidden", Intercepted, 403},
	{"rate-limited", "intercept", "GET", "/rate-limited", Intercepted, 403},
	{"secondary-rate-limit", "intercept", "GET", "/secondary-rate-limit", Intercepted, 429},
	{"envoy-upstream-error", "intercept", "GET", "/envoy-upstream-error", EnvoyUpstreamError, 503},
	{"upstream-503", "intercept", "GET", "/unavailable", Intercepted, 503},
	{"public-chain", "public", "GET", "/meta", PublicChain, 200},
	{"wrong-name", "wrongname", "GET", "/meta", PublicChain, 200},
	{"tls-error", "plaintext", "GET", "/meta", TLSError, 0},
	{"timeout", "silent", "GET", "/meta", Timeout, 0},
	{"refused", "refused", "GET", "/meta", Failed, 0},
}

func TestProbeWithLocalCurl(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("needs curl on PATH to run the real curl against local servers")
	}
	f := newFixture(t)
	for _, tc := range probeCases {
		t.Run(tc.name, func(t *testing.T) {
			p := Prober{Exec: localExecer{}, SandboxCA: f.sandbox.pool()}
			res, err := p.Probe(context.Background(), f.request(tc.server, tc.method, tc.path))
			if err != nil {
				t.Fatal(err)
			}
			if err := res.Expect(tc.want); err != nil {
				t.Fatal(err)
			}
			if tc.want == Failed && res.ExitCode != 7 {
				t.Errorf("curl exit %d, want 7 (connection refused)", res.ExitCode)
			}
			if res.HTTPCode != tc.httpCode {
				t.Errorf("http code %d, want %d", res.HTTPCode, tc.httpCode)
			}
			if tc.want == Intercepted {
				assertInterceptedLeaf(t, res)
			}
			assertAnswer(t, tc.name, res)
			if res.HTTPCode != 0 && res.LocalPort == 0 {
				t.Error("no local port reported for a request that got an answer")
			}
			if *update {
				record(t, tc.name, f, p, tc.server, tc.method, tc.path)
			}
		})
	}
}

func assertInterceptedLeaf(t *testing.T, res Result) {
	t.Helper()
	if res.Leaf == nil || res.Leaf.Serial != "1092" { // 4242 in hex
		t.Errorf("leaf %+v, want serial 1092", res.Leaf)
	}
	if res.Leaf == nil || res.Leaf.Issuer != "CN=sandbox CA" {
		t.Errorf("leaf %+v, want issuer CN=sandbox CA", res.Leaf)
	}
	if res.ChainLength != 2 {
		t.Errorf("chain length %d, want 2", res.ChainLength)
	}
}

// recording is one curl run kept in testdata/recorded: the raw output and
// the sandbox CA (certificate only) to classify it against.
type recording struct {
	Host      string    `json:"host"`
	Now       time.Time `json:"now"`
	SandboxCA string    `json:"sandboxCA"`
	ExitCode  int       `json:"exitCode"`
	Stdout    string    `json:"stdout"`
	Stderr    string    `json:"stderr"`
}

func record(t *testing.T, name string, f *fixture, p Prober, server, method, path string) {
	t.Helper()
	argv, err := f.request(server, method, path).Command()
	if err != nil {
		t.Fatal(err)
	}
	res, err := localExecer{}.Exec(context.Background(), podexec.Target{}, argv)
	if err != nil {
		t.Fatal(err)
	}
	rec := recording{Host: "api.github.com", Now: time.Now().UTC(), SandboxCA: string(f.sandbox.pem),
		ExitCode: res.ExitCode, Stdout: string(res.Stdout), Stderr: string(res.Stderr)}
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("testdata", "recorded", name+".json"), append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}
