package scenarios

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/e2e-framework/pkg/envconf"
	"sigs.k8s.io/e2e-framework/pkg/features"

	"github.com/cilium-tls-intercept/sandbox/sandbox/scenario"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/probe"
)

// needSecretHeader is the github group's header set from headerSecret on
// GET /headers (scenarioValues).
var needSecretHeader = policyNeed{"intercept-tls-" + githubGroup, []string{"path: " + headersPath, "name: " + headerSecret},
	"intercept." + githubGroup + ".secretHeaders: [{name: " + headerName + ", secret: {name: " + headerSecret + ", key: " + headerSecretKey + "}, http: [{method: GET, path: " + headersPath + "}]}]"}

// forgedHeader is what the workload sends to try its own credentials.
const forgedHeader = headerName + ": Bearer forged-by-the-workload"

// headerTokens are the values the suite puts in headerSecret: made at random
// by the test, never logged (only their digests are), and kept so the leak
// search knows what to look for.
type headerTokens struct {
	mu     sync.Mutex
	values []string
}

// headerTokensEnv, when set, holds the tokens to use, one a line, in
// order: the leak search of the test log (TestLeakSearchTestLog) runs this
// binary again with values it knows.
const headerTokensEnv = "SCENARIOS_HEADER_TOKENS"

// next makes a new token (or takes the next of headerTokensEnv), remembers
// it and returns it.
func (h *headerTokens) next() (string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	v, err := newToken(len(h.values))
	if err != nil {
		return "", err
	}
	h.values = append(h.values, v)
	return v, nil
}

// newToken returns the i-th token of headerTokensEnv, or a random one
// when it is not set.
func newToken(i int) (string, error) {
	if given := os.Getenv(headerTokensEnv); given != "" {
		lines := strings.Split(given, "\n")
		if i >= len(lines) {
			return "", fmt.Errorf("%s holds %d values; the suite needs a %d-th", headerTokensEnv, len(lines), i+1)
		}
		return lines[i], nil
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make a header token: %w", err)
	}
	return "Bearer sandbox-" + hex.EncodeToString(b), nil
}

// current returns the latest token ("" before the first).
func (h *headerTokens) current() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.values) == 0 {
		return ""
	}
	return h.values[len(h.values)-1]
}

// all returns every token made.
func (h *headerTokens) all() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.values)
}

// digest is how the fake upstream's /headers reports a value
// (cmd/fake-upstream headerDigest), and how the tests log one.
func digest(value string) string {
	sum := sha256.Sum256([]byte(value))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// short is a digest cut for logs.
func short(d string) string {
	if len(d) > len("sha256:")+12 {
		return d[:len("sha256:")+12]
	}
	return d
}

// putHeaderSecret creates headerSecret in ns with token under
// headerSecretKey, or replaces the value of the one that is there, as
// `kubectl create secret generic` (or a rotation) would.
func putHeaderSecret(ctx context.Context, cs kubernetes.Interface, ns, token string) error {
	secrets := cs.CoreV1().Secrets(ns)
	data := map[string][]byte{headerSecretKey: []byte(token)}
	cur, err := secrets.Get(ctx, headerSecret, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: headerSecret}, Type: corev1.SecretTypeOpaque, Data: data}
		_, err = secrets.Create(ctx, s, metav1.CreateOptions{})
	case err == nil:
		cur.Data, cur.StringData = data, nil
		_, err = secrets.Update(ctx, cur, metav1.UpdateOptions{})
	}
	if err != nil {
		return fmt.Errorf("secret %s/%s: %w", ns, headerSecret, err)
	}
	return nil
}

// setupHeaderSecret makes the suite's first token and puts it in
// headerSecret in ns, the TLS secrets namespace of the chart the suite
// installed, as a user would before relying on the header.
func (s *suiteState) setupHeaderSecret(ctx context.Context, cs kubernetes.Interface, ns string) error {
	token, err := s.tokens.next()
	if err != nil {
		return err
	}
	return putHeaderSecret(ctx, cs, ns, token)
}

// receivedHeaders is the fake upstream's /headers body: each header it
// received, with SHA-256 digests of the values (cmd/fake-upstream).
type receivedHeaders struct {
	FakeUpstream bool                `json:"fake_upstream"`
	Headers      map[string][]string `json:"headers"`
}

// parseReceived reads a /headers body.
func parseReceived(body string) (receivedHeaders, error) {
	var r receivedHeaders
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		return r, fmt.Errorf("/headers body is not the fake upstream's JSON: %w", err)
	}
	if !r.FakeUpstream {
		return r, fmt.Errorf("/headers was not answered by the fake upstream")
	}
	return r, nil
}

func TestCredentialInjection(t *testing.T) {
	requireDataPath(t)
	get := func(header ...string) headerRequest {
		return headerRequest{request{"GET", githubHost, headersPath}, header}
	}
	f := features.New("credential-injection").WithLabel(scenario.Label, scenario.CredentialInjection).
		Assess("a request without the header reaches the upstream with the Secret's value", func(ctx context.Context, t *testing.T, _ *envconf.Config) context.Context {
			suite.requireHeaderEcho(ctx, t)
			suite.expectReceived(ctx, t, get(), suite.tokens.current(), settleTimeout)
			return ctx
		}).
		Assess("a forged header is replaced by the Secret's value", func(ctx context.Context, t *testing.T, _ *envconf.Config) context.Context {
			suite.requireHeaderEcho(ctx, t)
			suite.expectReceived(ctx, t, get(forgedHeader), suite.tokens.current(), settleTimeout)
			return ctx
		}).
		Assess("a rotated Secret is sent on the next requests, with no restart and no policy change", func(ctx context.Context, t *testing.T, _ *envconf.Config) context.Context {
			suite.requireHeaderEcho(ctx, t)
			gc, err := findGroupCert(ctx, suite.dyn, githubGroup)
			if err != nil {
				t.Fatal(err)
			}
			token, err := suite.tokens.next()
			if err != nil {
				t.Fatal(err)
			}
			if err := putHeaderSecret(ctx, suite.cs, gc.namespace, token); err != nil {
				t.Fatal(err)
			}
			t.Logf("rotated %s/%s to a value with digest %s", gc.namespace, headerSecret, short(digest(token)))
			suite.expectReceived(ctx, t, get(forgedHeader), token, suite.opts.rotationTimeout)
			return ctx
		}).Feature()
	testenv.Test(t, f)
}

// requireHeaderEcho skips unless the upstream echoes what it received: only
// the offline fake upstream does (api.github.com has no /headers), and the
// chart must carry the header (an existing cluster's may not).
func (s *suiteState) requireHeaderEcho(ctx context.Context, t *testing.T) {
	t.Helper()
	if s.opts.upstream != upstreamLocal {
		t.Skip("needs an upstream that echoes the headers it received: --upstream=local (the fake upstream's /headers)")
	}
	requireChartValues(ctx, t, needSecretHeader)
	if s.tokens.current() == "" {
		t.Fatalf("the suite put no value in %s", headerSecret)
	}
}

// headerRequest is a request with extra headers, "Name: value".
type headerRequest struct {
	request
	header []string
}

// expectReceived requests req until the fake upstream reports headerName
// arriving exactly once with want's digest, for at most timeout. It logs
// and reports digests only.
func (s *suiteState) expectReceived(ctx context.Context, t *testing.T, req headerRequest, want string, timeout time.Duration) {
	t.Helper()
	p := s.prober(ctx, t, s.workload)
	wantDigest := digest(want)
	var seen string
	start := time.Now()
	err := wait.PollUntilContextTimeout(ctx, 2*time.Second, timeout, true, func(ctx context.Context) (bool, error) {
		pr := req.probeRequest(s.opts.probeTimeout)
		pr.Header = req.header
		r, err := p.Probe(ctx, pr)
		switch {
		case err != nil:
			seen = err.Error()
		case r.Expectation != probe.Intercepted || r.HTTPCode != 200:
			seen = fmt.Sprintf("%s, http %d: %s", r.Expectation, r.HTTPCode, strings.TrimSpace(r.Body))
		default:
			got, perr := parseReceived(r.Body)
			if perr != nil {
				seen = perr.Error()
				return false, nil
			}
			vals := got.Headers[headerName]
			seen = fmt.Sprintf("%s received with digests %v", headerName, vals)
			return len(vals) == 1 && vals[0] == wantDigest, nil
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("%s https://%s%s %v: want %s with digest %s at the upstream within %s; last: %s (the forged value's digest is %s)",
			req.method, req.host, req.path, req.header, headerName, short(wantDigest), timeout, seen, short(digest(strings.TrimPrefix(forgedHeader, headerName+": "))))
	}
	t.Logf("%s https://%s%s %v: the upstream received %s once, digest %s, the Secret's (after %s)",
		req.method, req.host, req.path, req.header, headerName, short(wantDigest), time.Since(start).Round(time.Second))
}
