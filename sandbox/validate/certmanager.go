package validate

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/cilium-tls-intercept/sandbox/sandbox/dnsname"
)

// certificateProblems checks cert-manager objects against each other:
// issuerRefs resolve, CA issuers find their secret, leaf SANs respect the
// signing CA's name constraints.
func (inv *inventory) certificateProblems(opts Options) []Problem {
	var out []Problem
	for _, is := range inv.issuers {
		out = append(out, inv.issuerSecretProblems(is, opts)...)
	}
	for _, c := range inv.certs {
		ref := c.cert.Spec.IssuerRef
		if ref.Group != "" && ref.Group != "cert-manager.io" {
			continue // an external issuer type
		}
		kind := cmp.Or(ref.Kind, "Issuer")
		key := issuerKey(kind, c.namespace, ref.Name)
		is, found := inv.issuers[key]
		if !found {
			if !slices.Contains(opts.ExternalIssuers, key) {
				out = append(out, Problem{c.id, CheckIssuerRef, fmt.Sprintf(
					"spec.issuerRef %s %q is not among the objects (nor in Options.ExternalIssuers)", kind, ref.Name)})
			}
			continue
		}
		if ca := inv.caCertificate(is, opts); ca != nil {
			out = append(out, nameConstraintProblems(c, ca)...)
		}
	}
	return out
}

// caSecret returns the namespace and name of the secret a CA issuer signs with.
func caSecret(is issuer, opts Options) (ns, name string, ok bool) {
	if is.spec.CA == nil {
		return "", "", false
	}
	ns = is.namespace
	if is.kind == "ClusterIssuer" {
		ns = opts.ClusterResourceNamespace
	}
	return ns, is.spec.CA.SecretName, true
}

// issuerSecretProblems reports a CA issuer whose secret the objects make in
// another namespace than the issuer reads, or by a Certificate that is not a CA.
func (inv *inventory) issuerSecretProblems(is issuer, opts Options) []Problem {
	ns, name, ok := caSecret(is, opts)
	if !ok {
		return nil
	}
	var out []Problem
	for _, s := range inv.secrets[ns+"/"+name] {
		if s.cert != nil && !s.cert.cert.Spec.IsCA {
			out = append(out, Problem{is.id, CheckIssuerSecret, fmt.Sprintf(
				"spec.ca.secretName %s/%s is made by %s, which is not isCA: true", ns, name, s.by)})
		}
	}
	if len(inv.secrets[ns+"/"+name]) > 0 {
		return out
	}
	var elsewhere []string
	for _, c := range inv.certs {
		if c.cert.Spec.SecretName == name {
			elsewhere = append(elsewhere, c.id)
		}
	}
	if len(elsewhere) > 0 {
		out = append(out, Problem{is.id, CheckIssuerSecret, fmt.Sprintf(
			"spec.ca.secretName is read from %s/%s, but the objects make %q only in another namespace (%s)",
			ns, name, name, strings.Join(elsewhere, ", "))})
	}
	return out
}

// caCertificate returns the Certificate that makes a CA issuer's secret, if
// the objects hold it.
func (inv *inventory) caCertificate(is issuer, opts Options) *certificate {
	ns, name, ok := caSecret(is, opts)
	if !ok {
		return nil
	}
	for _, s := range inv.secrets[ns+"/"+name] {
		if s.cert != nil {
			return s.cert
		}
	}
	return nil
}

// nameConstraintProblems checks a leaf's dnsNames against the CA
// certificate's permitted and excluded DNS domains.
func nameConstraintProblems(leaf certificate, ca *certificate) []Problem {
	nc := ca.cert.Spec.NameConstraints
	if nc == nil {
		return nil
	}
	var permitted, excluded []string
	if nc.Permitted != nil {
		permitted = nc.Permitted.DNSDomains
	}
	if nc.Excluded != nil {
		excluded = nc.Excluded.DNSDomains
	}
	var out []Problem
	for _, n := range leaf.cert.Spec.DNSNames {
		if len(permitted) > 0 && !slices.ContainsFunc(permitted, func(c string) bool { return dnsname.ConstraintPermits(c, n) }) {
			out = append(out, Problem{leaf.id, CheckNameConstraints, fmt.Sprintf(
				"dnsNames %q is outside the permitted DNS domains %v of the signing CA %s", n, permitted, ca.id)})
		}
		for _, c := range excluded {
			if dnsname.ConstraintPermits(c, n) {
				out = append(out, Problem{leaf.id, CheckNameConstraints, fmt.Sprintf(
					"dnsNames %q is in the excluded DNS domain %q of the signing CA %s", n, c, ca.id)})
			}
		}
	}
	return out
}
