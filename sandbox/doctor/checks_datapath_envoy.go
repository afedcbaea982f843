package doctor

import (
	"crypto/x509"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
)

// envoyInputs are what Envoy on a pod's node answered through its agent.
type envoyInputs struct {
	certs []envoyCertDetails
	// sds holds Envoy's SDS secrets by name; nil when the release gives
	// Envoy the secrets inline.
	sds map[string]envoySecret
}

func (e *env) readEnvoyInputs(t datapathTarget) (envoyInputs, string) {
	var in envoyInputs
	out, why := e.output(t, cmdEnvoyCerts())
	if why != "" {
		return in, why
	}
	var err error
	if in.certs, err = parseEnvoyCerts(out); err != nil {
		return in, e.unreadable(t, cmdEnvoyCerts(), out, err)
	}
	if !e.usesSDS() {
		return in, ""
	}
	if out, why = e.output(t, cmdEnvoySecrets()); why != "" {
		return in, why
	}
	if in.sds, err = parseEnvoySecrets(out); err != nil {
		return in, e.unreadable(t, cmdEnvoySecrets(), out, err)
	}
	return in, ""
}

func checkEnvoySecrets(e *env) Finding { return e.eachTarget(e.envoySecrets) }

func (e *env) envoySecrets(t datapathTarget) Finding {
	in, why := e.readEnvoyInputs(t)
	if why != "" {
		return unread(why)
	}
	var p problems
	var ok []string
	for _, r := range terminating(e.tlsPortsOf(t)) {
		cur, err := e.servedCertificate(r)
		if err != nil || cur == nil {
			return unread(fmt.Sprintf("the tls.crt of secret %s cannot be read to compare with Envoy's: %v", r, err))
		}
		var msg string
		if in.sds != nil {
			msg = e.judgeSDS(t, r, cur, in.sds, &p)
		} else {
			msg = e.judgeInline(t, r, cur, in.certs, &p)
		}
		if msg != "" {
			ok = append(ok, msg)
		}
	}
	if in.sds != nil {
		ok = append(ok, e.judgeSDSTrust(t, in.sds, &p)...)
	}
	p.context = in.evidence()
	okReason := fmt.Sprintf("Envoy on node %s serves the current certificate of every terminating secret, given inline in the network policy", t.Pod.Spec.NodeName)
	if in.sds != nil {
		okReason = fmt.Sprintf("Envoy on node %s holds the current certificate of every terminating secret and the upstream trust, over SDS", t.Pod.Spec.NodeName)
	}
	return p.finding(okReason, ok...)
}

func (e *env) judgeSDS(t datapathTarget, r secretRef, cur *x509.Certificate, sds map[string]envoySecret, p *problems) string {
	m, _ := e.secretsMode()
	name := ciliumtls.SDSSecretName(*e.version, m.Namespace, r.Namespace, r.Name)
	s, found := sds[name]
	leaf, err := s.leaf()
	switch {
	case !found || s.warming || leaf == nil:
		state := "which it does not hold"
		if s.warming {
			state = "which it has asked for and was never supplied (a warming secret)"
		} else if err != nil {
			state = fmt.Sprintf("whose chain it cannot read (%v)", err)
		}
		p.add(fmt.Sprintf("Envoy gets the secret from the agent over SDS as %s: the operator's copy in %q must carry that name (secret-synced warns when it does not, as when cilium-operator runs an older release than the agent: upgrade it to %s) and the agent must be able to read %q; Envoy logs \"Secret is not supplied by SDS\" while it waits", name, m.Namespace, e.version, m.Namespace),
			"Envoy on node %s has no certificate for terminatingTLS secret %s although the endpoint redirects to it: Cilium %s tells it over SDS to use %s, %s, so the intercepted handshakes fail",
			t.Pod.Spec.NodeName, r, e.version, name, state)
		return ""
	case !sameSerial(serialHex(leaf.SerialNumber), serialHex(cur.SerialNumber)):
		p.add(fmt.Sprintf("from 1.17 with secret sync a renewal travels: cert-manager writes %s, Cilium's operator copies it into %q, the agent serves the copy over SDS; compare the copy with the secret (secret-synced warns when they differ) and restart the operator to copy it again: kubectl -n %s rollout restart deploy/cilium-operator", r, m.Namespace, e.scope.CiliumNamespace),
			"Envoy on node %s serves serial %s (expires %s) for terminatingTLS secret %s over SDS (%s, updated %s), but the secret holds serial %s: the renewal has not reached Envoy",
			t.Pod.Spec.NodeName, serialHex(leaf.SerialNumber), leaf.NotAfter.UTC().Format(time.RFC3339), r, name, s.LastUpdated, serialHex(cur.SerialNumber))
		return ""
	}
	return fmt.Sprintf("%s: Envoy's SDS secret %s holds serial %s, the secret's", r, name, serialHex(cur.SerialNumber))
}

// judgeSDSTrust checks that Envoy holds, over SDS, the upstream trust of
// every originatingTLS secret (a CA bundle: there is no one serial to
// compare, and /certs shows a bundle's CAs only in part).
func (e *env) judgeSDSTrust(t datapathTarget, sds map[string]envoySecret, p *problems) []string {
	m, _ := e.secretsMode()
	var ok []string
	for _, r := range secretRefs(e.tlsPortsOf(t)) {
		if !r.Originated {
			continue
		}
		name := ciliumtls.SDSSecretName(*e.version, m.Namespace, r.Namespace, r.Name)
		if s, found := sds[name]; !found || s.warming {
			p.add(fmt.Sprintf("Envoy gets the upstream trust from the agent over SDS as %s: the operator's copy in %q must carry that name (secret-synced warns when it does not) and the agent must be able to read %q", name, m.Namespace, m.Namespace),
				"Envoy on node %s has no SDS secret %s for originatingTLS secret %s: it cannot verify the real servers, so every intercepted request fails upstream", t.Pod.Spec.NodeName, name, r)
			continue
		}
		ok = append(ok, fmt.Sprintf("%s: Envoy holds the upstream trust as SDS secret %s", r, name))
	}
	return ok
}

func (e *env) judgeInline(t datapathTarget, r secretRef, cur *x509.Certificate, certs []envoyCertDetails, p *problems) string {
	want := serialHex(cur.SerialNumber)
	for _, c := range certs {
		if sameSerial(c.SerialNumber, want) {
			return fmt.Sprintf("%s: Envoy serves serial %s, the secret's", r, want)
		}
	}
	restart := fmt.Sprintf("kubectl -n %s delete pod %s", e.scope.CiliumNamespace, t.Agent)
	names := slices.Sorted(slices.Values(cur.DNSNames))
	for _, c := range certs {
		if slices.Equal(slices.Sorted(slices.Values(c.dnsNames())), names) {
			p.add(fmt.Sprintf("restart the Cilium agent on node %s (%s): it recomputes the policy and sends Envoy the renewed certificate; from 1.17 with secret sync (tls.secretSync.enabled) renewals reach Envoy over SDS without a restart (cilium/cilium#35513)", t.Pod.Spec.NodeName, restart),
				"Envoy on node %s serves serial %s (expires %s) for terminatingTLS secret %s, but the secret holds serial %s: Cilium %s gives Envoy the certificate %s",
				t.Pod.Spec.NodeName, c.SerialNumber, c.ExpirationTime, r, want, e.version, ciliumtls.InlineRenewal)
			return ""
		}
	}
	p.add(fmt.Sprintf("read the agent's log on node %s for TLS context errors, then make it recompute the policy (%s)", t.Pod.Spec.NodeName, restart),
		"Envoy on node %s serves no certificate of terminatingTLS secret %s (serial %s, for %s) although the endpoint redirects to it: Cilium %s did not put it in the network policy it gives Envoy inline",
		t.Pod.Spec.NodeName, r, want, strings.Join(names, ", "), e.version)
	return ""
}

// evidence lists what Envoy holds.
func (in envoyInputs) evidence() []string {
	var out []string
	for _, name := range sortedKeys(in.sds) {
		s := in.sds[name]
		leaf, _ := s.leaf()
		switch {
		case s.warming:
			out = append(out, fmt.Sprintf("Envoy SDS secret %s: warming (asked for, not supplied)", name))
		case leaf != nil:
			out = append(out, fmt.Sprintf("Envoy SDS secret %s: serial %s, updated %s", name, serialHex(leaf.SerialNumber), s.LastUpdated))
		default:
			out = append(out, fmt.Sprintf("Envoy SDS secret %s: no certificate chain (a validation context)", name))
		}
	}
	for _, c := range in.certs {
		out = append(out, fmt.Sprintf("Envoy certs: serial %s for %s, expires %s", c.SerialNumber, strings.Join(c.dnsNames(), ", "), c.ExpirationTime))
	}
	if len(in.certs) == 0 {
		out = append(out, "Envoy certs: none")
	}
	return out
}
