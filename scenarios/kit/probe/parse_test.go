package probe

import (
	"crypto/x509"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cilium-tls-intercept/sandbox/sandbox/podexec"
)

func TestReplayRecordedCurl(t *testing.T) {
	want := map[string]Expectation{
		"intercepted":  Intercepted,
		"denied":       Denied403,
		"upstream-403": Intercepted,
		"public-chain": PublicChain,
		"wrong-name":   PublicChain,
		"tls-error":    TLSError,
		"timeout":      Timeout,
		"refused":      Failed,
		// Who answered an intercepted request: GitHub's rate limits and an
		// upstream's 503 are the upstream's, Envoy's 503 its own.
		"rate-limited":         Intercepted,
		"secondary-rate-limit": Intercepted,
		"upstream-503":         Intercepted,
		"envoy-upstream-error": EnvoyUpstreamError,
	}
	for name, exp := range want {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", "recorded", name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			var rec recording
			if err := json.Unmarshal(b, &rec); err != nil {
				t.Fatal(err)
			}
			resp, err := ParseCurl(podexec.Result{Stdout: []byte(rec.Stdout), Stderr: []byte(rec.Stderr), ExitCode: rec.ExitCode})
			if err != nil {
				t.Fatal(err)
			}
			pool, err := PoolFromPEM([]byte(rec.SandboxCA))
			if err != nil {
				t.Fatal(err)
			}
			res := Classify(resp, rec.Host, pool, rec.Now)
			if err := res.Expect(exp); err != nil {
				t.Fatal(err)
			}
			if exp == Intercepted {
				assertInterceptedLeaf(t, res)
			}
			assertAnswer(t, name, res)
		})
	}
}

// TestParseWithoutHeaders: output without the headers block (recorded
// before it was asked for, or from a curl that prints nothing for
// %{header_json}) still parses, with no headers.
func TestParseWithoutHeaders(t *testing.T) {
	for name, out := range map[string]string{
		"no block":  "body" + writeOutMarker + "http_code=200\nssl_verify_result=0\nnum_certs=0\n",
		"no header": "body" + writeOutMarker + "http_code=200\nssl_verify_result=0\nnum_certs=0\nheaders=" + headersEnd,
	} {
		resp, err := ParseCurl(podexec.Result{Stdout: []byte(out)})
		if err != nil || resp.HTTPCode != 200 || resp.Header != nil || string(resp.Body) != "body" {
			t.Errorf("%s: %+v, %v; want http 200, body, no headers", name, resp, err)
		}
	}
}

func TestClassifyWithoutSandboxCA(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "recorded", "intercepted.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rec recording
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatal(err)
	}
	resp, err := ParseCurl(podexec.Result{Stdout: []byte(rec.Stdout)})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("no CA", func(t *testing.T) {
		if res := Classify(resp, rec.Host, nil, rec.Now); res.Expectation != PublicChain {
			t.Errorf("got %s, want PublicChain when no sandbox CA is known", res.Expectation)
		}
	})
	t.Run("verify against", func(t *testing.T) {
		res := Classify(resp, rec.Host, nil, rec.Now)
		if err := res.VerifyAgainst(mustPool(t, rec.SandboxCA), rec.Now); err != nil {
			t.Errorf("chain does not verify against the CA that made it: %v", err)
		}
		if err := res.VerifyAgainst(x509.NewCertPool(), rec.Now); err == nil {
			t.Error("chain verifies against an empty pool")
		}
		if err := (Result{Host: "x", Expectation: TLSError}).VerifyAgainst(x509.NewCertPool(), rec.Now); err == nil {
			t.Error("no chain verified")
		}
	})
	t.Run("expired", func(t *testing.T) {
		res := Classify(resp, rec.Host, mustPool(t, rec.SandboxCA), rec.Now.Add(48*time.Hour))
		if res.Expectation != PublicChain || !strings.Contains(res.SandboxVerifyError, "expired") {
			t.Errorf("got %s (%s), want PublicChain with an expiry error", res.Expectation, res.SandboxVerifyError)
		}
	})
}

func mustPool(t *testing.T, pemData string) *x509.CertPool {
	t.Helper()
	p, err := PoolFromPEM([]byte(pemData))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestParseCurlErrors(t *testing.T) {
	cases := []struct {
		name   string
		stdout string
		want   string
	}{
		{"no write-out", "sh: curl: not found", "no write-out block"},
		{"no http code", writeOutMarker + "ssl_verify_result=0\n", "no http_code"},
		{"bad number", writeOutMarker + "http_code=abc\nssl_verify_result=0\n", `http_code="abc"`},
		{"bad certificate", writeOutMarker + "http_code=200\nssl_verify_result=0\nnum_certs=1\n" +
			"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "served certificate 0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseCurl(podexec.Result{Stdout: []byte(tc.stdout), ExitCode: 127})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
	_, err := ParseCurl(podexec.Result{Stdout: []byte("x")})
	if !errors.Is(err, ErrNoWriteOut) {
		t.Errorf("error %v does not wrap ErrNoWriteOut", err)
	}
}

func TestParseCurlKeepsBody(t *testing.T) {
	resp, err := ParseCurl(podexec.Result{Stdout: []byte(`{"a":1}` + writeOutMarker + "http_code=403\nssl_verify_result=19\nnum_certs=0\n")})
	if err != nil {
		t.Fatal(err)
	}
	got := []any{string(resp.Body), resp.HTTPCode, resp.SSLVerifyResult, len(resp.Chain)}
	if want := []any{`{"a":1}`, 403, 19, 0}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestRequestCommand(t *testing.T) {
	cases := []struct {
		name    string
		req     Request
		wantErr string
		want    []string
	}{
		{name: "defaults", req: Request{URL: "https://api.github.com/meta"},
			want: []string{"--request", "GET", "--max-time", "15", "--connect-timeout", "15"}},
		{name: "method and times", req: Request{URL: "https://x.test/", Method: "POST", MaxTime: 1500 * time.Millisecond, ConnectTimeout: time.Second},
			want: []string{"--request", "POST", "--max-time", "1.5", "--connect-timeout", "1"}},
		{name: "resolve", req: Request{URL: "https://x.test/", Resolve: []string{"x.test:443:10.0.0.1"}},
			want: []string{"--resolve", "x.test:443:10.0.0.1", "https://x.test/"}},
		{name: "header", req: Request{URL: "https://x.test/", Header: []string{"Authorization: Bearer forged"}},
			want: []string{"--header", "Authorization: Bearer forged"}},
		{name: "header without a colon", req: Request{URL: "https://x.test/", Header: []string{"Authorization"}}, wantErr: `request header "Authorization"`},
		{name: "header with a line break", req: Request{URL: "https://x.test/", Header: []string{"A: b\r\nC: d"}}, wantErr: `on one line`},
		{name: "http", req: Request{URL: "http://x.test/"}, wantErr: `"http://x.test/": want https`},
		{name: "bad resolve", req: Request{URL: "https://x.test/", Resolve: []string{"x.test"}}, wantErr: `resolve entry "x.test"`},
		{name: "bad method", req: Request{URL: "https://x.test/", Method: "GET /x"}, wantErr: `method "GET /x"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			argv, err := tc.req.Command()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !containsRun(argv, tc.want) {
				t.Errorf("command %q lacks %q", argv, tc.want)
			}
		})
	}
}

func containsRun(argv, run []string) bool {
	for i := 0; i+len(run) <= len(argv); i++ {
		if reflect.DeepEqual(argv[i:i+len(run)], run) {
			return true
		}
	}
	return false
}
