package scenarios

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/cilium-tls-intercept/sandbox/sandbox/podexec"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/probe"
)

// settleTimeout bounds how long a probe is retried until it gives the
// expected outcome: DNS, policy and secret changes take seconds to land.
const settleTimeout = 90 * time.Second

// request is one request a scenario makes.
type request struct {
	method, host, path string
}

func (r request) probeRequest(maxTime time.Duration) probe.Request {
	return probe.Request{URL: "https://" + r.host + r.path, Method: r.method, MaxTime: maxTime}
}

// expect makes the request from target until its outcome is want, for at
// most settleTimeout, and returns the last result. When want never comes it
// fails t with the last outcome: command, exit code, output and served leaf.
func (s *suiteState) expect(ctx context.Context, t *testing.T, target podexec.Target, req request, want probe.Expectation) probe.Result {
	t.Helper()
	return s.expectWithin(ctx, t, target, req, want, s.opts.probeTimeout)
}

// expectWithin is expect with each curl run bounded by maxTime.
func (s *suiteState) expectWithin(ctx context.Context, t *testing.T, target podexec.Target, req request, want probe.Expectation, maxTime time.Duration) probe.Result {
	t.Helper()
	p := s.prober(ctx, t, target)
	var last probe.Result
	var lastErr error
	err := wait.PollUntilContextTimeout(ctx, 3*time.Second, settleTimeout, true, func(ctx context.Context) (bool, error) {
		last, lastErr = p.Probe(ctx, req.probeRequest(maxTime))
		return lastErr == nil && last.Expectation == want, nil
	})
	if err != nil {
		if lastErr == nil {
			lastErr = last.Expect(want)
		}
		t.Fatalf("%s %s%s from %s, for %s: %v", req.method, req.host, req.path, target, settleTimeout, errors.Join(lastErr, err))
	}
	t.Logf("%s https://%s%s from %s: %s (http %d, leaf issuer %q, serial %s)",
		req.method, req.host, req.path, target, last.Expectation, last.HTTPCode, issuerOf(last), serialOf(last))
	return last
}

// expectPublic expects a public chain and checks that it verifies against
// the public roots (the system's, or the fake public CA offline).
func (s *suiteState) expectPublic(ctx context.Context, t *testing.T, target podexec.Target, req request) {
	t.Helper()
	r := s.expect(ctx, t, target, req, probe.PublicChain)
	if err := r.VerifyAgainst(s.publicRoots, time.Now()); err != nil {
		t.Errorf("not the public chain: %v", err)
	}
}

// assertLeafCovers checks that the served leaf is valid for host (a SAN,
// exact or wildcard) and that it is a SAN the group's certificate holds.
func assertLeafCovers(t *testing.T, r probe.Result, host string) {
	t.Helper()
	if len(r.Chain) == 0 {
		t.Fatalf("%s: no leaf served", host)
	}
	if err := r.Chain[0].VerifyHostname(host); err != nil {
		t.Errorf("leaf SANs %v do not cover %s: %v", r.Leaf.DNSNames, host, err)
	}
}

func issuerOf(r probe.Result) string {
	if r.Leaf == nil {
		return ""
	}
	return r.Leaf.Issuer
}

func serialOf(r probe.Result) string {
	if r.Leaf == nil {
		return ""
	}
	return r.Leaf.Serial
}

// wantCode fails t unless the result's HTTP status is one of codes,
// saying who answered: the upstream, the upstream under its rate limit
// (no interception failure), or Envoy.
func wantCode(t *testing.T, r probe.Result, codes ...int) {
	t.Helper()
	if !slices.Contains(codes, r.HTTPCode) {
		t.Errorf("%s: http %d, want one of %v; answered by %s; body %q", r.Host, r.HTTPCode, codes, r.Answer(), r.Body)
	}
}
