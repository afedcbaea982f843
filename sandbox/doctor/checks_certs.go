package doctor

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"time"

	cmv1 "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	cmmeta "github.com/cert-manager/cert-manager/pkg/apis/meta/v1"

	"github.com/cilium-tls-intercept/sandbox/sandbox/dnsname"
)

// certificateFor returns the cert-manager Certificate writing secret ns/name.
func (s *State) certificateFor(ns, name string) *cmv1.Certificate {
	for i := range s.Certificates {
		c := &s.Certificates[i]
		if c.Namespace == ns && c.Spec.SecretName == name {
			return c
		}
	}
	return nil
}

// terminating returns the terminating secrets with the ports using them.
func terminating(ports []tlsPort) []secretRef {
	var out []secretRef
	for _, r := range secretRefs(ports) {
		if !r.Originated {
			out = append(out, r)
		}
	}
	return out
}

func checkCertificates(e *env) Finding {
	var p problems
	var ok []string
	for _, r := range terminating(e.ports()) {
		c := e.st.certificateFor(r.Namespace, r.Name)
		if c == nil {
			if msg := e.checkServedExpiry(r, &p); msg != "" {
				ok = append(ok, msg)
			}
			continue
		}
		name := ref("Certificate", c.Namespace, c.Name)
		ready := readyCondition(c)
		if ready == nil || ready.Status != cmmeta.ConditionTrue {
			p.add(fmt.Sprintf("kubectl -n %s describe certificate %s and fix its issuer", c.Namespace, c.Name),
				"%s (secret %s) is not Ready: %s", name, r, conditionText(ready))
			continue
		}
		if na := c.Status.NotAfter; na != nil && !na.Time.After(e.now) {
			p.add(fmt.Sprintf("renew it: cmctl renew -n %s %s, and check why cert-manager did not (renewBefore, issuer)", c.Namespace, c.Name),
				"%s (secret %s) expired at %s: clients reject the intercepted connection", name, r, na.Time.UTC().Format(time.RFC3339))
			continue
		}
		ok = append(ok, fmt.Sprintf("%s: Ready, not after %s", name, notAfter(c)))
	}
	return p.finding("the terminating certificates are Ready and unexpired", ok...)
}

func readyCondition(c *cmv1.Certificate) *cmv1.CertificateCondition {
	for i := range c.Status.Conditions {
		if c.Status.Conditions[i].Type == cmv1.CertificateConditionReady {
			return &c.Status.Conditions[i]
		}
	}
	return nil
}

func conditionText(c *cmv1.CertificateCondition) string {
	if c == nil {
		return "no Ready condition yet"
	}
	return fmt.Sprintf("Ready=%s %s: %s", c.Status, c.Reason, c.Message)
}

func notAfter(c *cmv1.Certificate) string {
	if c.Status.NotAfter == nil {
		return "(unknown)"
	}
	return c.Status.NotAfter.Time.UTC().Format(time.RFC3339)
}

func checkCertificateSANs(e *env) Finding {
	var p problems
	var ok []string
	for _, tp := range e.ports() {
		for _, r := range terminating([]tlsPort{tp}) {
			what, fix, sans := e.sansOf(r)
			if what == "" {
				continue
			}
			for _, n := range tp.interceptedNames() {
				if !dnsname.Covered(n, sans) {
					p.add(fmt.Sprintf(fix, n),
						"%s intercepts %q but %s covers only %s (\"*.x\" covers exactly one label, not x itself)",
						tp.Policy, n, what, quoteList(sans))
				}
			}
			ok = append(ok, fmt.Sprintf("%s: %s", what, quoteList(sans)))
		}
	}
	return p.finding("every intercepted name is covered by a SAN of its certificate", dedupeKeepOrder(ok)...)
}

// certificateNames returns a Certificate's DNS SANs and common name.
func certificateNames(c *cmv1.Certificate) []string {
	out := append([]string(nil), c.Spec.DNSNames...)
	if c.Spec.CommonName != "" {
		out = append(out, c.Spec.CommonName)
	}
	return out
}

// sansOf returns what names the certificate served for secret r, the fix
// format for a missing name, and its SANs: from the cert-manager
// Certificate when there is one, else from the secret's tls.crt. what is
// empty when neither can be read.
func (e *env) sansOf(r secretRef) (what, fix string, sans []string) {
	if c := e.st.certificateFor(r.Namespace, r.Name); c != nil {
		return ref("Certificate", c.Namespace, c.Name), "add %q to spec.dnsNames of Certificate " + c.Namespace + "/" + c.Name, certificateNames(c)
	}
	cert, err := e.servedCertificate(r)
	if err != nil || cert == nil {
		return "", "", nil
	}
	names := append([]string(nil), cert.DNSNames...)
	return "the tls.crt of secret " + r.String(), "reissue secret " + r.String() + " with %q among its SANs", names
}

// servedCertificate parses the first certificate of secret r's tls.crt; nil
// when the secret or the key is absent.
func (e *env) servedCertificate(r secretRef) (*x509.Certificate, error) {
	sec := e.st.secret(r.Namespace, r.Name)
	if sec == nil || len(sec.Data["tls.crt"]) == 0 {
		return nil, nil
	}
	block, _ := pem.Decode(sec.Data["tls.crt"])
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("tls.crt of secret %s is not a PEM certificate", r)
	}
	return x509.ParseCertificate(block.Bytes)
}

// checkServedExpiry judges a secret no Certificate manages by its tls.crt.
func (e *env) checkServedExpiry(r secretRef, p *problems) string {
	cert, err := e.servedCertificate(r)
	switch {
	case err != nil:
		p.add("put a PEM certificate chain in tls.crt", "secret %s: %v", r, err)
		return ""
	case cert == nil:
		return fmt.Sprintf("secret %s is not written by a cert-manager Certificate", r)
	case !cert.NotAfter.After(e.now):
		p.add("reissue the certificate in secret "+r.String(),
			"the tls.crt of secret %s (not written by cert-manager) expired at %s: clients reject the intercepted connection", r, cert.NotAfter.UTC().Format(time.RFC3339))
		return ""
	}
	return fmt.Sprintf("secret %s (not written by cert-manager): tls.crt valid until %s", r, cert.NotAfter.UTC().Format(time.RFC3339))
}
