package probe

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/cilium-tls-intercept/sandbox/sandbox/podexec"
)

// Prober runs requests in one target and classifies them against the sandbox CA.
type Prober struct {
	// Exec runs curl.
	Exec podexec.Execer
	// Target is where curl runs.
	Target podexec.Target
	// SandboxCA holds the roots an intercepted chain must verify against.
	SandboxCA *x509.CertPool
	// Now is the verification time; time.Now when nil.
	Now func() time.Time
}

// Probe makes the request and classifies what answered. It fails only when
// curl could not be run or its output not read; any outcome of the request
// itself is in the Result.
func (p Prober) Probe(ctx context.Context, req Request) (Result, error) {
	argv, err := req.Command()
	if err != nil {
		return Result{}, err
	}
	res, err := p.Exec.Exec(ctx, p.Target, argv)
	if err != nil {
		return Result{Command: argv}, fmt.Errorf("run curl in %s: %w", p.Target, err)
	}
	resp, err := ParseCurl(res)
	if err != nil {
		return Result{Command: argv}, fmt.Errorf("curl in %s: %w", p.Target, err)
	}
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	r := Classify(resp, req.Host(), p.SandboxCA, now())
	r.Command = argv
	return r, nil
}

// ErrNoCertificate means PEM data held no certificate.
var ErrNoCertificate = errors.New("no PEM certificate")

// ParsePEM returns every certificate in PEM data, in order.
func ParsePEM(data []byte) ([]*x509.Certificate, error) {
	certs, err := parseChain(data)
	if err != nil {
		return nil, err
	}
	if len(certs) == 0 {
		return nil, ErrNoCertificate
	}
	return certs, nil
}

// PoolFromPEM returns a pool of every certificate in PEM data.
func PoolFromPEM(data []byte) (*x509.CertPool, error) {
	certs, err := ParsePEM(data)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c)
	}
	return pool, nil
}
