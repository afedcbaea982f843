//go:build releases && linux

package releases

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/cilium-tls-intercept/sandbox/sandbox/lint/agent"
)

// The rows about how policy secrets reach Envoy: inline in NPDS (1.16, and
// the terminating context's CA with use-full-tls-context) or by SDS name
// (1.17 with secret sync). They run on the 1.16 and 1.17 default patches,
// whose helpers the stage builds anyway: K6 and K7 are changes of the
// minor (1.17.0), so the last 1.16 and a 1.17 are their boundary.

// tlsContext is the part of a cilium.NetworkPolicy TLS context (Cilium's
// proto, protojson field names) the rows read.
type tlsContext struct {
	TrustedCA        string `json:"trustedCa"`
	CertificateChain string `json:"certificateChain"`
	TLSSDSSecret     string `json:"tlsSdsSecret"`
}

// port443Downstream is the downstream (terminating) TLS context of the
// client's egress 443 rule in the release's NPDS.
func port443Downstream(t *testing.T, r *agent.Release) tlsContext {
	t.Helper()
	var npds struct {
		Egress []struct {
			Port  uint32 `json:"port"`
			Rules []struct {
				Downstream *tlsContext `json:"downstreamTlsContext"`
			} `json:"rules"`
		} `json:"egressPerPortPolicies"`
	}
	text := npdsText(t, r, workload(t, r, clientWorkload))
	if err := json.Unmarshal([]byte(text), &npds); err != nil {
		t.Fatalf("Cilium %s's NPDS: %v", r.Cilium, err)
	}
	for _, p := range npds.Egress {
		for _, rule := range p.Rules {
			if p.Port == 443 && rule.Downstream != nil {
				return *rule.Downstream
			}
		}
	}
	t.Fatalf("Cilium %s's NPDS has no egress 443 rule with a downstream TLS context:\n%s", r.Cilium, text)
	return tlsContext{}
}

// setting is the value the release reports for a configuration key.
func setting(r *agent.Release, key string) string {
	for _, s := range r.Settings {
		if s.Key == key {
			return s.Value
		}
	}
	return ""
}

// TestK1FullTLSContextPutsTheCAInTerminatingContexts runs Cilium 1.16.19
// (the 1.16 default) twice on the same manifests, configured by a
// cilium-config ConfigMap with use-full-tls-context true, then false.
// Releases before 1.16.0 (always affected) cannot be built here; the flag
// restores their behaviour, which is the row's affected side on 1.16+.
// With it the terminating context of app/web-tls carries the secret's
// ca.crt as trusted CA (Envoy then demands client certificates); without
// it only the chain and key.
func TestK1FullTLSContextPutsTheCAInTerminatingContexts(t *testing.T) {
	const release = "1.16.19"
	for _, c := range []struct {
		config string
		wantCA bool
	}{
		{"testdata/k1-cilium-config/full-tls-context-true.yaml", true},
		{"testdata/k1-cilium-config/full-tls-context-false.yaml", false},
	} {
		rep := lintRow(t, "--cilium-version", release, "--cilium-config", c.config, "-f", tlsSecretDir)
		r := resultOf(t, rep, release)
		if got, want := setting(r, "use-full-tls-context"), fmt.Sprint(c.wantCA); got != want {
			t.Errorf("K1: Cilium %s read use-full-tls-context=%q from %s; want %s", release, got, c.config, want)
		}
		tls := port443Downstream(t, r)
		if tls.CertificateChain == "" {
			t.Errorf("K1: Cilium %s (%s): the terminating context has no certificate chain: %+v", release, c.config, tls)
		}
		if (tls.TrustedCA != "") != c.wantCA {
			t.Errorf("K1: Cilium %s (%s): the terminating context's trustedCa is %q; want it set: %v", release, c.config, abbrev(tls.TrustedCA), c.wantCA)
		}
	}
}

// TestK6PolicySecretsBySDSFrom117 runs 1.16.19 against 1.17.17 (the two
// minors' defaults, on each side of 1.17.0): 1.16 reads app/web-tls
// itself and puts its PEM in NPDS; 1.17 names the operator's copy in the
// secrets namespace over SDS and serves it there.
func TestK6PolicySecretsBySDSFrom117(t *testing.T) {
	const affected, fixed = "1.16.19", "1.17.17"
	rep := lintRow(t, "--cilium-version", affected, "--compare", fixed, "-f", tlsSecretDir)

	a := resultOf(t, rep, affected)
	if tls := port443Downstream(t, a); tls.CertificateChain == "" || tls.TLSSDSSecret != "" {
		t.Errorf("K6: Cilium %s's terminating context is %+v; want the PEM inline and no SDS name", affected, tls)
	}
	if sds := workload(t, a, clientWorkload).SDS; len(sds) != 0 {
		t.Errorf("K6: Cilium %s serves SDS secrets %+v; want none", affected, sds)
	}

	f := resultOf(t, rep, fixed)
	const name = "cilium-secrets/app-web-tls"
	if tls := port443Downstream(t, f); tls.CertificateChain != "" || tls.TLSSDSSecret != name {
		t.Errorf("K6: Cilium %s's terminating context is %+v; want only tlsSdsSecret %s", fixed, tls, name)
	}
	served := false
	for _, s := range workload(t, f, clientWorkload).SDS {
		served = served || (s.Name == name && s.Type == "tlsCertificate")
	}
	if !served {
		t.Errorf("K6: Cilium %s does not serve %s as a tlsCertificate over SDS: %+v", fixed, name, workload(t, f, clientWorkload).SDS)
	}
}

// TestK7RenewalChangesNPDSOnlyInline runs the same policy twice, app/web-tls
// holding a certificate and then its renewal, on 1.16.19 and 1.17.17 (the
// defaults on each side of 1.17.0) and on 1.17.17 with --no-secret-sync
// (the row's "1.17+ with SDS off"), and compares the terminating TLS
// context NPDS gives Envoy (each run is a fresh agent, so the rest of NPDS
// differs in its identity numbers). Inline, the context carries the
// certificate, so Envoy gets the renewal only in a new NPDS, which the
// agent sends when it recomputes the endpoint's policy. With SDS the
// context is the same SDS name both times: the renewal travels over SDS,
// without the policy.
func TestK7RenewalChangesNPDSOnlyInline(t *testing.T) {
	const inline, sds, sdsOff = "1.16.19", "1.17.17", "1.17.17 --no-secret-sync"
	contexts := map[string][]tlsContext{}
	for _, cn := range []string{"example.com (first)", "example.com (renewed)"} {
		secret := tempFile(t, "web-tls.yaml", tlsSecretYAML(t, cn))
		rep := lintRow(t, "--cilium-version", inline, "--compare", sds, "-f", tlsSecretDir, "-f", secret)
		for _, v := range []string{inline, sds} {
			contexts[v] = append(contexts[v], port443Downstream(t, resultOf(t, rep, v)))
		}
		rep = lintRow(t, "--cilium-version", sds, "--no-secret-sync", "-f", tlsSecretDir, "-f", secret)
		contexts[sdsOff] = append(contexts[sdsOff], port443Downstream(t, resultOf(t, rep, sds)))
	}
	for _, v := range []string{inline, sdsOff} {
		if c := contexts[v]; c[0].CertificateChain == "" || c[0] == c[1] {
			t.Errorf("K7: Cilium %s's terminating context is %+v before the renewal and %+v after; want the certificate inline, changed",
				v, abbrevContext(c[0]), abbrevContext(c[1]))
		}
	}
	if c := contexts[sds]; c[0].TLSSDSSecret == "" || c[0] != c[1] {
		t.Errorf("K7: Cilium %s's terminating context is %+v before the renewal and %+v after; want the same SDS name",
			sds, abbrevContext(c[0]), abbrevContext(c[1]))
	}
}

// abbrevContext shortens a context's PEM for messages.
func abbrevContext(c tlsContext) tlsContext {
	c.TrustedCA, c.CertificateChain = abbrev(c.TrustedCA), abbrev(c.CertificateChain)
	return c
}

// tlsSecretYAML is app/web-tls as cert-manager writes it: a fresh
// self-signed certificate for example.com with subject cn, as tls.crt and
// ca.crt, and its key.
func tlsSecretYAML(t *testing.T, cn string) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{CommonName: cn},
		DNSNames: []string{"example.com"}, NotBefore: now.Add(-time.Minute), NotAfter: now.Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	crt := base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	k := base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}))
	return fmt.Sprintf(`apiVersion: v1
kind: Secret
metadata:
  name: web-tls
  namespace: app
type: kubernetes.io/tls
data:
  ca.crt: %s
  tls.crt: %s
  tls.key: %s
`, crt, crt, k)
}

// abbrev shortens a PEM for messages to its last characters, which
// differ between certificates.
func abbrev(s string) string {
	if len(s) > 40 {
		return "..." + s[len(s)-40:]
	}
	return s
}
