package envoystandin

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"

	cilium "github.com/cilium/proxy/go/cilium/api"
)

// serverConfig is the TLS a downstream context terminates with
// (cilium/secret_watcher.cc DownstreamTLSContext, setCommonConfig): the
// chain and key from SDS or inline; a trusted CA (inline or SDS) makes
// Envoy require a client certificate; ALPN as given.
func serverConfig(c *cilium.TLSContext, secrets Secrets) (*tls.Config, error) {
	chain, key := []byte(c.GetCertificateChain()), []byte(c.GetPrivateKey())
	if name := c.GetTlsSdsSecret(); name != "" {
		var err error
		if chain, key, err = secrets.certificate(name); err != nil {
			return nil, err
		}
	}
	cert, err := tls.X509KeyPair(chain, key)
	if err != nil {
		return nil, fmt.Errorf("certificate and key Envoy is given: %w", err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, NextProtos: c.GetAlpnProtocols()}
	roots, err := contextCA(c, secrets)
	if err != nil {
		return nil, err
	}
	if roots != nil {
		// "Check if client certificate is required"
		cfg.ClientAuth, cfg.ClientCAs = tls.RequireAndVerifyClientCert, roots
	}
	return cfg, nil
}

// clientConfig is the TLS an upstream context originates with
// (UpstreamTLSContext): the trusted CA and no other; the SNI is the
// context's server name, else the client's SNI, which Envoy also requires
// the upstream's certificate to carry (cilium/network_filter.cc passes it
// as UpstreamServerName and UpstreamSubjectAltNames); without an SNI only
// the chain is verified. A client certificate is presented when the
// context carries one.
func clientConfig(c *cilium.TLSContext, secrets Secrets, sni string) (*tls.Config, error) {
	roots, err := contextCA(c, secrets)
	if err != nil {
		return nil, err
	}
	if roots == nil {
		return nil, errors.New("Upstream TLS Context: missing trusted CA")
	}
	if names := c.GetServerNames(); len(names) == 1 {
		sni = names[0]
	}
	cfg := &tls.Config{RootCAs: roots, ServerName: sni, MinVersion: tls.VersionTLS12, NextProtos: c.GetAlpnProtocols()}
	if sni == "" {
		cfg.InsecureSkipVerify = true // the chain is verified below, without a name
		cfg.VerifyPeerCertificate = verifyChainOnly(roots)
	}
	if c.GetTlsSdsSecret() != "" || c.GetCertificateChain() != "" {
		chain, key := []byte(c.GetCertificateChain()), []byte(c.GetPrivateKey())
		if name := c.GetTlsSdsSecret(); name != "" {
			if chain, key, err = secrets.certificate(name); err != nil {
				return nil, err
			}
		}
		cert, err := tls.X509KeyPair(chain, key)
		if err != nil {
			return nil, fmt.Errorf("client certificate Envoy is given: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// contextCA is the context's trusted CA: the SDS validation context, else
// the inline trusted_ca; nil when it has neither.
func contextCA(c *cilium.TLSContext, secrets Secrets) (*x509.CertPool, error) {
	pem := []byte(c.GetTrustedCa())
	if name := c.GetValidationContextSdsSecret(); name != "" {
		var err error
		if pem, err = secrets.trustedCA(name); err != nil {
			return nil, err
		}
	}
	if len(pem) == 0 {
		return nil, nil
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		return nil, errors.New("the trusted CA Envoy is given holds no certificate")
	}
	return roots, nil
}

func verifyChainOnly(roots *x509.CertPool) func([][]byte, [][]*x509.Certificate) error {
	return func(raw [][]byte, _ [][]*x509.Certificate) error {
		if len(raw) == 0 {
			return errors.New("upstream presented no certificate")
		}
		certs := make([]*x509.Certificate, len(raw))
		for i, b := range raw {
			c, err := x509.ParseCertificate(b)
			if err != nil {
				return fmt.Errorf("upstream certificate: %w", err)
			}
			certs[i] = c
		}
		inter := x509.NewCertPool()
		for _, c := range certs[1:] {
			inter.AddCert(c)
		}
		_, err := certs[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter})
		return err
	}
}
