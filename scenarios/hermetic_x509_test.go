package scenarios

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// parseCert parses the first PEM certificate in data.
func parseCert(data []byte) (*x509.Certificate, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("no PEM certificate")
	}
	return x509.ParseCertificate(block.Bytes)
}

// parseKey parses a PEM private key (PKCS#8, EC or PKCS#1).
func parseKey(data []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM key")
	}
	if k, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		if s, ok := k.(crypto.Signer); ok {
			return s, nil
		}
	}
	if k, err := x509.ParseECPrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	return x509.ParsePKCS1PrivateKey(block.Bytes)
}

// verifyLeaf verifies leaf against the CA alone, for the server name
// dnsName (empty: no name check), as a client trusting only the sandbox CA.
func verifyLeaf(leaf, ca *x509.Certificate, dnsName string) error {
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	_, err := leaf.Verify(x509.VerifyOptions{
		Roots: roots, DNSName: dnsName,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	return err
}

// sampleName turns a policy name or pattern into a concrete host name it
// matches: "*.github.com" -> "sample.github.com", "**.x.com" -> "a.b.x.com".
func sampleName(pattern string) string {
	switch {
	case strings.HasPrefix(pattern, "**."):
		return "a.b." + strings.TrimPrefix(pattern, "**.")
	case strings.HasPrefix(pattern, "*."):
		return "sample." + strings.TrimPrefix(pattern, "*.")
	default:
		return pattern
	}
}

// signLeaf signs a server certificate for names with the CA's key, as an
// attacker holding the sandbox CA key would.
func signLeaf(ca *x509.Certificate, caKey crypto.Signer, names ...string) (*x509.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: names[0]},
		DNSNames:     names,
		NotBefore:    time.Now().Add(-time.Minute),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("sign leaf for %v: %w", names, err)
	}
	return x509.ParseCertificate(der)
}

// isNameConstraintError reports whether err is x509's refusal of a name the
// CA is not authorised for.
func isNameConstraintError(err error) bool {
	var inv x509.CertificateInvalidError
	return errors.As(err, &inv) && inv.Reason == x509.CANotAuthorizedForThisName
}
