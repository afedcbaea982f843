package scenarios

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"
)

// testCA makes a CA limited to github.com, as the chart's CA is.
func testCA(t *testing.T) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
		PermittedDNSDomainsCritical: true, PermittedDNSDomains: []string{"github.com"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return ca, key
}

func TestNameConstraintHelpers(t *testing.T) {
	ca, key := testCA(t)
	tests := []struct {
		name, host   string
		refusedByCA  bool
		verifyErrNil bool
	}{
		{name: "api.github.com", host: "api.github.com", verifyErrNil: true},
		{name: "*.github.com", host: "sample.github.com", verifyErrNil: true},
		{name: "evil.example.com", host: "evil.example.com", refusedByCA: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			leaf, err := signLeaf(ca, key, tt.name)
			if err != nil {
				t.Fatal(err)
			}
			err = verifyLeaf(leaf, ca, tt.host)
			if got := err == nil; got != tt.verifyErrNil {
				t.Errorf("verify %s: err = %v", tt.host, err)
			}
			if got := isNameConstraintError(err); got != tt.refusedByCA {
				t.Errorf("isNameConstraintError(%v) = %v, want %v", err, got, tt.refusedByCA)
			}
		})
	}
}

func TestSampleName(t *testing.T) {
	for pattern, want := range map[string]string{
		"github.com": "github.com", "*.github.com": "sample.github.com", "**.amazonaws.com": "a.b.amazonaws.com",
	} {
		t.Run(pattern, func(t *testing.T) {
			if got := sampleName(pattern); got != want {
				t.Errorf("sampleName(%q) = %q, want %q", pattern, got, want)
			}
		})
	}
}
