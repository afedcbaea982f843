package doctor

import (
	"fmt"
	"strings"

	trustapi "github.com/cert-manager/trust-manager/pkg/apis/trust/v1alpha1"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
)

// trustSource is where Envoy's upstream trust for a pod comes from: the
// originatingTLS secrets of its TLS rules, what their ca.crt holds, and the
// trust-manager Bundle that writes them.
type trustSource struct {
	// short names it in a reason; evidence details it.
	short    string
	evidence []string
	// bundle is the Bundle writing the first secret, nil when none does
	// (or Bundles were not read).
	bundle *trustapi.Bundle
}

// trustSourceOf describes the upstream trust of t's TLS rules.
func (e *env) trustSourceOf(t datapathTarget) trustSource {
	var ts trustSource
	var shorts []string
	for _, r := range secretRefs(e.tlsPortsOf(t)) {
		if !r.Originated {
			continue
		}
		what := fmt.Sprintf("originatingTLS secret %s", r)
		sec := e.st.secret(r.Namespace, r.Name)
		switch {
		case sec == nil:
			what += " (not read)"
		default:
			cas := parseCertificates(sec.Data[ciliumtls.KeyTrustedCA])
			var names []string
			for _, c := range cas[:min(3, len(cas))] {
				names = append(names, c.Subject.String())
			}
			if len(cas) > 3 {
				names = append(names, fmt.Sprintf("%d more", len(cas)-3))
			}
			what += fmt.Sprintf(" (ca.crt: %d CA certificate(s): %s)", len(cas), orNone(names))
		}
		if m, err := e.secretsMode(); err == nil && m.SDS && e.version != nil {
			what += fmt.Sprintf(", given to Envoy over SDS as %s", ciliumtls.SDSSecretName(*e.version, m.Namespace, r.Namespace, r.Name))
		}
		b := e.bundleWriting(r)
		if b != nil {
			what += fmt.Sprintf(", written by trust-manager Bundle %s (sources: %s)", b.Name, bundleSources(b))
			if ts.bundle == nil {
				ts.bundle = b
			}
		} else if r := e.st.missing(KindBundle); r != "" {
			what += " (Bundles unread: " + r + ")"
		}
		shorts = append(shorts, what)
		ts.evidence = append(ts.evidence, "upstream trust: "+what)
	}
	ts.short = strings.Join(shorts, "; ")
	if ts.short == "" {
		ts.short = "no originatingTLS secret in the rules that select the pod"
	}
	return ts
}

// bundleWriting returns the trust-manager Bundle whose target is r: the one
// its label names (trust-manager labels its targets with
// trust.cert-manager.io/bundle), else the Bundle of r's name with a Secret
// target (trust-manager names targets after their Bundle).
func (e *env) bundleWriting(r secretRef) *trustapi.Bundle {
	name := r.Name
	if sec := e.st.secret(r.Namespace, r.Name); sec != nil && sec.Labels[trustapi.BundleLabelKey] != "" {
		name = sec.Labels[trustapi.BundleLabelKey]
	}
	for i := range e.st.Bundles {
		if b := &e.st.Bundles[i]; b.Name == name && b.Spec.Target.Secret != nil {
			return b
		}
	}
	return nil
}

// defaultCAs reports whether the Bundle includes trust-manager's public
// roots.
func defaultCAs(b *trustapi.Bundle) bool {
	for _, s := range b.Spec.Sources {
		if s.UseDefaultCAs != nil && *s.UseDefaultCAs {
			return true
		}
	}
	return false
}

// bundleSources lists a Bundle's sources in words.
func bundleSources(b *trustapi.Bundle) string {
	var out []string
	for _, s := range b.Spec.Sources {
		switch {
		case s.UseDefaultCAs != nil:
			out = append(out, fmt.Sprintf("useDefaultCAs: %t", *s.UseDefaultCAs))
		case s.InLine != "":
			n := len(parseCertificates([]byte(s.InLine)))
			out = append(out, fmt.Sprintf("inLine: %d certificate(s)", n))
		case s.ConfigMap != nil:
			out = append(out, "configMap "+s.ConfigMap.Name+" key "+s.ConfigMap.Key)
		case s.Secret != nil:
			out = append(out, "secret "+s.Secret.Name+" key "+s.Secret.Key)
		}
	}
	if !defaultCAs(b) {
		out = append(out, "no useDefaultCAs: true, so no public root")
	}
	return strings.Join(out, "; ")
}

// trustFix says how to put the server's root into the upstream trust.
func (ts trustSource) trustFix() string {
	const why = "Envoy verifies the real server only against this ca.crt (Cilium has no system trust store fallback); openssl s_client -connect <name>:443 -showcerts shows the chain whose root must be in it"
	switch b := ts.bundle; {
	case b == nil:
		return "put the server's root CA (a public root bundle for public servers) into ca.crt of the originatingTLS secret; " + why
	case !defaultCAs(b):
		return fmt.Sprintf("add the public roots to Bundle %s (a source useDefaultCAs: true; this chart: upstreamTrust.useDefaultCAs=true) and any private CA the servers use (upstreamTrust.extraCertificates); %s", b.Name, why)
	default:
		return fmt.Sprintf("the server's chain does not lead to a public root: add its CA to Bundle %s's sources (this chart: upstreamTrust.extraCertificates); %s", b.Name, why)
	}
}
