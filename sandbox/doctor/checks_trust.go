package doctor

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"time"
)

// parseCertificates returns the certificates of PEM text, skipping other
// blocks and what does not parse.
func parseCertificates(text []byte) []*x509.Certificate {
	var out []*x509.Certificate
	for {
		var block *pem.Block
		block, text = pem.Decode(text)
		if block == nil {
			return out
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		if c, err := x509.ParseCertificate(block.Bytes); err == nil {
			out = append(out, c)
		}
	}
}

// trustedBundle returns the CA certificates of the named ConfigMaps of ns.
func (e *env) trustedBundle(ns string, names []string) []*x509.Certificate {
	var out []*x509.Certificate
	for _, n := range names {
		if cm := e.st.configMap(ns, n); cm != nil {
			for _, v := range cm.Data {
				out = append(out, parseCertificates([]byte(v))...)
			}
		}
	}
	return out
}

// untrustedLeaves returns a problem for each terminating secret whose
// tls.crt does not chain to roots: the certificates Envoy serves that the
// workload's clients reject.
func (e *env) untrustedLeaves(roots []*x509.Certificate) []string {
	pool := x509.NewCertPool()
	for _, r := range roots {
		pool.AddCert(r)
	}
	var out []string
	for _, r := range terminating(e.ports()) {
		sec := e.st.secret(r.Namespace, r.Name)
		if sec == nil {
			continue
		}
		chain := parseCertificates(sec.Data["tls.crt"])
		if len(chain) == 0 {
			continue
		}
		inter := x509.NewCertPool()
		for _, c := range chain[1:] {
			inter.AddCert(c)
		}
		leaf := chain[0]
		_, err := leaf.Verify(x509.VerifyOptions{
			Roots: pool, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
			// Expiry is the certificates check's business: judge the chain
			// at a time the leaf is valid.
			CurrentTime: leaf.NotBefore.Add(time.Minute),
		})
		if err != nil {
			out = append(out, fmt.Sprintf("the certificate in secret %s (issuer %q) does not chain to the CA the workload mounts: %v", r, leaf.Issuer.CommonName, err))
		}
	}
	return out
}
