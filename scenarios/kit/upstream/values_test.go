package upstream

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
)

func TestNewCerts(t *testing.T) {
	now := time.Now()
	names := []string{"api.github.com", "sts.amazonaws.com"}
	certs, err := NewCerts(names, now)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(certs.CAPEM) {
		t.Fatal("CAPEM holds no certificate")
	}
	block, rest := pem.Decode(certs.CertPEM)
	leaf, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(rest), strings.TrimSpace(string(certs.CAPEM))) {
		t.Error("CertPEM does not carry the CA after the leaf")
	}
	for _, n := range names {
		t.Run(n, func(t *testing.T) {
			if _, err := leaf.Verify(x509.VerifyOptions{DNSName: n, Roots: roots, CurrentTime: now}); err != nil {
				t.Errorf("leaf does not verify for %s: %v", n, err)
			}
		})
	}
	if _, err := leaf.Verify(x509.VerifyOptions{DNSName: "api.github.com", Roots: roots, CurrentTime: now.Add(CertValidity + time.Minute)}); err == nil {
		t.Error("leaf still valid after CertValidity")
	}
	if !strings.Contains(string(certs.KeyPEM), "EC PRIVATE KEY") {
		t.Error("KeyPEM is not an EC private key")
	}
	if _, err := tls.X509KeyPair(certs.CertPEM, certs.KeyPEM); err != nil {
		t.Errorf("CertPEM and KeyPEM are not a key pair: %v", err)
	}
	if _, err := NewCerts(nil, now); err == nil {
		t.Error("NewCerts(nil) succeeded")
	}
}

func TestChartValues(t *testing.T) {
	ca := []byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
	v := ChartValues(ca)
	trust, ok := v["upstreamTrust"].(map[string]any)
	if !ok || trust["extraCertificates"] != string(ca) {
		t.Fatalf("values %v do not set upstreamTrust.extraCertificates", v)
	}
	if len(v) != 1 || len(trust) != 1 {
		t.Errorf("values %v set more than upstreamTrust.extraCertificates", v)
	}
}

// TestChartValuesRender renders the chart with the values and finds the fake
// CA inline in the upstream trust Bundle, where trust-manager reads it.
func TestChartValuesRender(t *testing.T) {
	certs, err := NewCerts([]string{"api.github.com"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	r, err := intercept.Render(context.Background(), intercept.RenderOptions{Values: ChartValues(certs.CAPEM)})
	if err != nil {
		t.Fatal(err)
	}
	objs, err := r.Objects()
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if o.GetKind() != "Bundle" || o.GetName() != intercept.UpstreamTrustSecret {
			continue
		}
		sources, _, _ := unstructured.NestedSlice(o.Object, "spec", "sources")
		for _, s := range sources {
			inline, _ := s.(map[string]any)["inLine"].(string)
			if strings.TrimSpace(inline) == strings.TrimSpace(string(certs.CAPEM)) {
				return
			}
		}
		t.Fatalf("bundle %s sources %v lack the fake CA inline", o.GetName(), sources)
	}
	t.Fatalf("no Bundle %s rendered", intercept.UpstreamTrustSecret)
}
