package probe

import (
	"crypto/x509"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Expectation names what answered a request.
type Expectation string

// The outcomes a scenario expects.
const (
	// Intercepted: the handshake succeeded with a leaf for the host that
	// chains to the sandbox CA, and the request was not denied.
	Intercepted Expectation = "Intercepted"
	// PublicChain: the handshake succeeded with a chain that does not chain
	// to the sandbox CA (the real server, or a fake upstream's public CA).
	PublicChain Expectation = "PublicChain"
	// Denied403: an intercepted connection whose request got Envoy's answer
	// to a request the L7 rules deny: HTTP 403 with the body "Access denied".
	// A 403 from the real server behind the interception is Intercepted.
	Denied403 Expectation = "Denied403"
	// EnvoyUpstreamError: an intercepted connection whose request Envoy
	// answered itself because it got no answer from the upstream: 502, 503
	// or 504 with Envoy's own reply ("upstream connect error or
	// disconnect/reset before headers", "no healthy upstream", "upstream
	// request timeout"), for example when the upstream trust lacks the
	// upstream's CA. An upstream's own 503 is Intercepted.
	EnvoyUpstreamError Expectation = "EnvoyUpstreamError"
	// TLSError: the TLS handshake failed (curl exit 35, 60, ...).
	TLSError Expectation = "TLSError"
	// Timeout: curl gave up (exit 28), for example on dropped packets.
	Timeout Expectation = "Timeout"
	// Failed: any other failure (name not resolved, connection refused, ...).
	Failed Expectation = "Failed"
)

// curlTimeout is curl's exit code for an operation timeout.
const curlTimeout = 28

// curlTLSCodes are curl's exit codes for TLS handshake and certificate failures.
var curlTLSCodes = []int{35, 51, 53, 54, 58, 59, 60, 64, 66, 77, 80, 82, 83, 90, 91}

// Leaf describes the served leaf certificate.
type Leaf struct {
	Subject  string    `json:"subject"`
	Issuer   string    `json:"issuer"`
	Serial   string    `json:"serial"` // lower-case hex, no separators
	DNSNames []string  `json:"dnsNames"`
	NotAfter time.Time `json:"notAfter"`
}

// Result is a classified probe.
type Result struct {
	Expectation Expectation `json:"expectation"`
	Host        string      `json:"host"`
	HTTPCode    int         `json:"httpCode"`
	ExitCode    int         `json:"exitCode"`
	// SSLVerifyResult is curl's own verification result (informational).
	SSLVerifyResult int `json:"sslVerifyResult"`
	// LocalPort is the TCP source port of the request's connection, which
	// Hubble's flows of it carry; 0 when unknown.
	LocalPort int `json:"localPort,omitempty"`
	// Leaf is the served leaf; nil without a handshake.
	Leaf *Leaf `json:"leaf,omitempty"`
	// ChainLength is the number of certificates served.
	ChainLength int `json:"chainLength"`
	// SandboxVerifyError says why the chain does not verify against the
	// sandbox CA; empty when it does.
	SandboxVerifyError string `json:"sandboxVerifyError,omitempty"`
	// Chain is the served chain, leaf first.
	Chain []*x509.Certificate `json:"-"`
	// RateLimited says, when the HTTP answer is the upstream refusing the
	// request under its rate limit (GitHub's: 403 or 429 with
	// x-ratelimit-remaining: 0 or a rate-limit message), what showed it;
	// "" otherwise.
	RateLimited string `json:"rateLimited,omitempty"`
	// Command, Body and Stderr are kept for failure messages.
	Command []string `json:"command,omitempty"`
	Body    string   `json:"body,omitempty"`
	Stderr  string   `json:"stderr,omitempty"`
}

// Classify names the outcome of resp for a request to host, verifying the
// served chain against the sandbox CA at time now.
func Classify(resp *Response, host string, sandboxCA *x509.CertPool, now time.Time) Result {
	r := Result{
		Host:            host,
		HTTPCode:        resp.HTTPCode,
		ExitCode:        resp.ExitCode,
		SSLVerifyResult: resp.SSLVerifyResult,
		LocalPort:       resp.LocalPort,
		ChainLength:     len(resp.Chain),
		Chain:           resp.Chain,
		Body:            string(clip(resp.Body)),
		Stderr:          resp.Stderr,
	}
	if len(resp.Chain) > 0 {
		r.Leaf = describeLeaf(resp.Chain[0])
		if err := verify(resp.Chain, host, sandboxCA, now); err != nil {
			r.SandboxVerifyError = err.Error()
		}
	}
	r.Expectation = expectation(resp, r)
	if r.Expectation != Denied403 {
		r.RateLimited = rateLimit(resp)
	}
	return r
}

func expectation(resp *Response, r Result) Expectation {
	switch {
	case resp.ExitCode == curlTimeout:
		return Timeout
	case slices.Contains(curlTLSCodes, resp.ExitCode):
		return TLSError
	case resp.ExitCode != 0 && resp.HTTPCode == 0 && len(resp.Chain) == 0:
		return Failed
	case len(resp.Chain) == 0:
		return TLSError
	case r.SandboxVerifyError != "":
		return PublicChain
	case isEnvoyDenial(resp):
		return Denied403
	case isEnvoyUpstreamError(resp):
		return EnvoyUpstreamError
	case resp.ExitCode != 0 || resp.HTTPCode == 0:
		return Failed
	default:
		return Intercepted
	}
}

// verify checks that chain's leaf is valid for host and chains to roots.
func verify(chain []*x509.Certificate, host string, roots *x509.CertPool, now time.Time) error {
	if roots == nil {
		return fmt.Errorf("no sandbox CA given")
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	_, err := chain[0].Verify(x509.VerifyOptions{
		DNSName:       host,
		Roots:         roots,
		Intermediates: inter,
		CurrentTime:   now,
	})
	return err
}

func describeLeaf(c *x509.Certificate) *Leaf {
	return &Leaf{
		Subject:  c.Subject.String(),
		Issuer:   c.Issuer.String(),
		Serial:   SerialHex(c),
		DNSNames: c.DNSNames,
		NotAfter: c.NotAfter,
	}
}

// SerialHex returns a certificate's serial number as lower-case hex.
func SerialHex(c *x509.Certificate) string { return c.SerialNumber.Text(16) }

// VerifyAgainst checks that the served chain is valid for the host and
// chains to roots at time now: for example that a pass-through chain is the
// real server's public one.
func (r Result) VerifyAgainst(roots *x509.CertPool, now time.Time) error {
	if len(r.Chain) == 0 {
		return fmt.Errorf("%s: no chain served (%s)", r.Host, r.Expectation)
	}
	if err := verify(r.Chain, r.Host, roots, now); err != nil {
		return fmt.Errorf("%s: served chain (leaf issuer %q): %w", r.Host, r.Leaf.Issuer, err)
	}
	return nil
}

// Expect returns nil when the result is want, or an *UnexpectedError that
// holds everything needed to diagnose it.
func (r Result) Expect(want Expectation) error {
	if r.Expectation == want {
		return nil
	}
	return &UnexpectedError{Want: want, Got: r}
}

// UnexpectedError is a probe whose outcome was not the expected one.
type UnexpectedError struct {
	Want Expectation
	Got  Result
}

// Error prints the outcome, the served leaf, and the command with its output.
func (e *UnexpectedError) Error() string {
	r := e.Got
	var b strings.Builder
	fmt.Fprintf(&b, "%s: want %s, got %s (http %d, curl exit %d)",
		r.Host, e.Want, r.Expectation, r.HTTPCode, r.ExitCode)
	if a := r.Answer(); a != "" {
		fmt.Fprintf(&b, "; answered by %s", a)
	}
	if r.Leaf != nil {
		fmt.Fprintf(&b, "; leaf subject %q issuer %q serial %s SANs %v",
			r.Leaf.Subject, r.Leaf.Issuer, r.Leaf.Serial, r.Leaf.DNSNames)
	}
	if r.SandboxVerifyError != "" {
		fmt.Fprintf(&b, "; not the sandbox CA: %s", r.SandboxVerifyError)
	}
	fmt.Fprintf(&b, "; command: %s; stderr: %q; body: %q",
		strings.Join(r.Command, " "), r.Stderr, r.Body)
	return b.String()
}
