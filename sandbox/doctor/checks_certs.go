package doctor

import (
	"fmt"
	"strings"
	"time"

	cmv1 "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	cmmeta "github.com/cert-manager/cert-manager/pkg/apis/meta/v1"
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
			ok = append(ok, fmt.Sprintf("secret %s is not written by a cert-manager Certificate", r))
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
			c := e.st.certificateFor(r.Namespace, r.Name)
			if c == nil {
				continue
			}
			sans := certificateNames(c)
			for _, n := range tp.interceptedNames() {
				if !coveredBy(n, sans) {
					p.add(fmt.Sprintf("add %q to spec.dnsNames of Certificate %s/%s", n, c.Namespace, c.Name),
						"%s intercepts %q but Certificate %s/%s covers only %s (\"*.x\" covers exactly one label, not x itself)",
						tp.Policy, n, c.Namespace, c.Name, quoteList(sans))
				}
			}
			ok = append(ok, fmt.Sprintf("Certificate %s/%s: %s", c.Namespace, c.Name, quoteList(sans)))
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

// coveredBy reports whether one of sans covers name. name may be a policy
// pattern: "*.x" needs the SAN "*.x"; "**.x" (any depth) cannot be covered
// by one wildcard SAN.
func coveredBy(name string, sans []string) bool {
	name = strings.ToLower(name)
	for _, san := range sans {
		if sanCovers(strings.ToLower(san), name) {
			return true
		}
	}
	return false
}

func sanCovers(san, name string) bool {
	if san == name {
		return !strings.HasPrefix(name, "**.")
	}
	rest, ok := strings.CutPrefix(san, "*.")
	if !ok {
		return false
	}
	label, parent, found := strings.Cut(name, ".")
	return found && parent == rest && label != "" && label != "**"
}
