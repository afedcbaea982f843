package upstream

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"time"
)

// CertValidity is how long the fake certificates are valid.
const CertValidity = 24 * time.Hour

// Certs are the fake public CA and the fake upstream's server certificate.
type Certs struct {
	// CAPEM is the fake public CA certificate.
	CAPEM []byte
	// CertPEM is the server certificate followed by the CA certificate.
	CertPEM []byte
	// KeyPEM is the server certificate's private key.
	KeyPEM []byte
}

// NewCerts makes a fake public CA and a server certificate valid from now
// for every one of names.
func NewCerts(names []string, now time.Time) (*Certs, error) {
	if len(names) == 0 {
		return nil, fmt.Errorf("fake upstream certificate: no names")
	}
	caKey, caCert, err := newCA(now)
	if err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("fake upstream key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(now),
		Subject:      pkix.Name{CommonName: names[0], Organization: []string{"fake public upstream"}},
		DNSNames:     names,
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(CertValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("fake upstream certificate: %w", err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("fake upstream key: %w", err)
	}
	caPEM := pemBlock("CERTIFICATE", caCert.Raw)
	return &Certs{
		CAPEM:   caPEM,
		CertPEM: append(pemBlock("CERTIFICATE", der), caPEM...),
		KeyPEM:  pemBlock("EC PRIVATE KEY", kder),
	}, nil
}

func newCA(now time.Time) (*ecdsa.PrivateKey, *x509.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("fake CA key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(now),
		Subject:               pkix.Name{CommonName: "cilium-tls-intercept fake public CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(CertValidity),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("fake CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("fake CA certificate: %w", err)
	}
	return key, cert, nil
}

func serial(now time.Time) *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return big.NewInt(now.UnixNano())
	}
	return n
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}
