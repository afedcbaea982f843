package validate

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
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
				out = append(out, inv.unresolvedIssuer(c, kind, ref.Name))
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
			out = append(out, Problem{Object: is.id, Check: CheckIssuerSecret, Message: fmt.Sprintf(
				"spec.ca.secretName %s/%s is made by %s, which is not isCA: true", ns, name, s.by),
				Fix: fmt.Sprintf("set isCA: true on %s, or point spec.ca.secretName at the CA's secret", s.by)})
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
		where := "the Issuer's namespace"
		if is.kind == "ClusterIssuer" {
			where = "cert-manager's cluster resource namespace, where a ClusterIssuer reads its secret"
		}
		return append(out, Problem{Object: is.id, Check: CheckIssuerSecret, Message: fmt.Sprintf(
			"spec.ca.secretName is read from %s/%s, but the objects make %q only in another namespace (%s)",
			ns, name, name, strings.Join(elsewhere, ", ")),
			Fix: fmt.Sprintf("issue the CA Certificate in %s (%s)", ns, where)})
	}
	return append(out, inv.caMadeElsewhere(is, ns, name)...)
}

// caMadeElsewhere is the finding for a CA issuer whose secret no object
// makes: a warning when a Job or pod of the objects writes it (an openssl
// CA outside cert-manager), else an assumption (Options.OpenWorld).
func (inv *inventory) caMadeElsewhere(is issuer, ns, name string) []Problem {
	if _, ok := inv.external[ns+"/"+name]; ok {
		return nil
	}
	for _, w := range inv.workloads {
		if w.job && strings.Contains(w.text, name) {
			return []Problem{{Object: is.id, Check: CheckIssuerSecret, Severity: Warning, Message: fmt.Sprintf(
				"spec.ca.secretName %s/%s is written by %s, not by cert-manager: nothing renews the CA or reports it expired, and its private key passes through the Job's pod", ns, name, w.id),
				Fix: "bootstrap the CA in cert-manager: a SelfSigned ClusterIssuer, a Certificate with isCA: true whose secret is " + name + " in " + ns + ", and this CA issuer reading it (the cilium-tls-intercept chart does this)"}}
		}
	}
	if !inv.openWorld {
		return nil // an existing CA the caller knows of
	}
	return []Problem{{Object: is.id, Check: CheckIssuerSecret, Severity: Assumption, Message: fmt.Sprintf(
		"spec.ca.secretName %s/%s is made by none of the objects: assumed to exist with tls.crt and tls.key", ns, name),
		Fix: fmt.Sprintf("check that it does: kubectl -n %s get secret %s", ns, name)}}
}

// unresolvedIssuer is the finding for an issuerRef no object matches: a
// failure when an issuer of that name exists under another kind or
// namespace or the objects must be complete, an assumption (made elsewhere)
// otherwise (Options.OpenWorld).
func (inv *inventory) unresolvedIssuer(c certificate, kind, name string) Problem {
	var near []string
	for _, is := range inv.issuers {
		if is.name == name {
			near = append(near, is.id)
		}
	}
	sort.Strings(near)
	if len(near) > 0 {
		return Problem{Object: c.id, Check: CheckIssuerRef, Message: fmt.Sprintf(
			"spec.issuerRef %s %q resolves to nothing: the objects have %s", kind, name, strings.Join(near, ", ")),
			Fix: "set spec.issuerRef.kind (Issuer reads the Certificate's namespace, ClusterIssuer is cluster wide) to match " + near[0]}
	}
	if !inv.openWorld {
		return Problem{Object: c.id, Check: CheckIssuerRef, Message: fmt.Sprintf(
			"spec.issuerRef %s %q is not among the objects (nor in Options.ExternalIssuers)", kind, name),
			Fix: "add the issuer to the objects, or point spec.issuerRef at one of them"}
	}
	return Problem{Object: c.id, Check: CheckIssuerRef, Severity: Assumption, Message: fmt.Sprintf(
		"spec.issuerRef %s %q is not among the objects: assumed to exist in the cluster", kind, name),
		Fix: fmt.Sprintf("check that it does and is Ready: kubectl get %s %s", strings.ToLower(kind), name)}
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
			out = append(out, Problem{Object: leaf.id, Check: CheckNameConstraints, Message: fmt.Sprintf(
				"dnsNames %q is outside the permitted DNS domains %v of the signing CA %s", n, permitted, ca.id),
				Fix: fmt.Sprintf("add its domain to spec.nameConstraints.permitted.dnsDomains of %s, or drop the name", ca.id)})
		}
		for _, c := range excluded {
			if dnsname.ConstraintPermits(c, n) {
				out = append(out, Problem{Object: leaf.id, Check: CheckNameConstraints, Message: fmt.Sprintf(
					"dnsNames %q is in the excluded DNS domain %q of the signing CA %s", n, c, ca.id),
					Fix: fmt.Sprintf("drop the name, or %q from spec.nameConstraints.excluded of %s", c, ca.id)})
			}
		}
	}
	return out
}
