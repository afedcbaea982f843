package doctor

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
)

// ports returns the TLS ports of the policies in the workload namespace and
// of the clusterwide policies.
func (e *env) ports() []tlsPort {
	return inScope(e, e.st.tlsPorts(), func(tp tlsPort) string { return tp.Namespace })
}

func checkTLSPolicies(e *env) Finding {
	if e.st.missing(KindPolicy) != "" && e.st.missing(KindClusterPolicy) != "" {
		return unread(e.st.missing(KindPolicy))
	}
	ports := e.ports()
	if len(ports) == 0 {
		return fail(fmt.Sprintf("no CiliumNetworkPolicy in %q and no CiliumClusterwideNetworkPolicy has terminatingTLS or originatingTLS: nothing sends the workload's TLS to Envoy", e.scope.WorkloadNamespace),
			"install the interception chart (make sandbox), or add terminatingTLS and originatingTLS to the port 443 rule")
	}
	var ev []string
	for _, tp := range ports {
		ev = append(ev, fmt.Sprintf("%s: port %s intercepts %s", tp.Policy, portList(tp), quoteList(tp.interceptedNames())))
	}
	return pass(fmt.Sprintf("%d TLS port rule(s) in %d policy rule(s)", len(ports), countPolicies(ports)), dedupeKeepOrder(ev)...)
}

func portList(tp tlsPort) string {
	var ps []string
	for _, p := range tp.Port.Ports {
		ps = append(ps, p.Port+"/"+string(p.Protocol))
	}
	return strings.Join(ps, ",")
}

func countPolicies(ports []tlsPort) int {
	seen := map[string]bool{}
	for _, tp := range ports {
		seen[tp.Policy] = true
	}
	return len(seen)
}

func dedupeKeepOrder(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// problems collects what one check found wrong, to report the first as the
// reason and all of them, with the context they were judged in, as evidence.
type problems struct {
	list    []string
	fix     string
	context []string
}

func (p *problems) add(fix, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	for _, m := range p.list {
		if m == msg {
			return
		}
	}
	p.list = append(p.list, msg)
	if p.fix == "" {
		p.fix = fix
	}
}

// finding fails with the first problem, or passes with okReason.
func (p *problems) finding(okReason string, okEvidence ...string) Finding {
	if len(p.list) == 0 {
		return pass(okReason, okEvidence...)
	}
	reason := p.list[0]
	var ev []string
	if n := len(p.list) - 1; n > 0 {
		reason += fmt.Sprintf(" (and %d more)", n)
		ev = append(ev, p.list...)
	}
	return fail(reason, p.fix, append(ev, p.context...)...)
}

func checkSecretLocation(e *env) Finding {
	m, err := e.secretsMode()
	if err != nil {
		return skip(err.Error())
	}
	p := problems{context: m.Evidence}
	var ok []string
	for _, r := range secretRefs(e.ports()) {
		switch {
		case r.Namespace == "":
			p.add("set secret.namespace in the clusterwide policy's TLS contexts",
				"%s: %s secret %q names no namespace", r.Policy, r.Direction, r.Name)
		case r.unresolved(m.Sync):
			// The agent keeps the empty namespace for the SDS name and the
			// operator enqueues it as written: nothing is ever copied.
			p.add(fmt.Sprintf("set secret.namespace: %q in the policy's %s", r.Namespace, r.Direction),
				"%s: %s secret %q names no namespace: under secret sync Cilium does not default it to the policy's namespace %q, so its operator never copies it and Envoy is told to use a secret nothing supplies",
				r.Policy, r.Direction, r.Name, r.PolicyNamespace)
		case m.Sync && !ciliumtls.OperatorCopies(m.Namespace, r.Namespace):
			// Cilium's operator copies policy secrets into the secrets
			// namespace, watching secrets outside it only
			// (operator/pkg/secretsync notInSecretsNamespace), and Envoy is
			// given the copy's name: a secret already there is copied only
			// when a policy changes.
			p.add(fmt.Sprintf("issue the certificate into another namespace (this chart: tlsSecrets.namespace, by default cert-manager) and point the policy there; Cilium's operator copies it into %q", m.Namespace),
				"%s secret %s is inside %q, which Cilium's operator does not watch under secret sync: Envoy gets the copy the operator makes only when a policy changes, so a secret written after its policy is never served and a renewal not until then",
				r.Direction, r, m.Namespace)
		case m.AnyNamespace || m.Sync || r.Namespace == m.Namespace:
			ok = append(ok, fmt.Sprintf("%s %s: readable", r.Direction, r))
		default:
			p.add(fmt.Sprintf("issue the certificates into %q (and point the policy there), or %s", m.Namespace, e.helmUpgrade("tls.secretSync.enabled=true")),
				"%s secret %s is outside %q, and the agent reads only %q because secret sync is off: the TLS context fails and the endpoint keeps its old policy",
				r.Direction, r, m.Namespace, m.Namespace)
		}
	}
	return p.finding("every policy secret is where the agent reads it: "+m.Describe, append(m.Evidence, ok...)...)
}

func checkSecretKeys(e *env) Finding {
	m, modeErr := e.secretsMode()
	sds := modeErr == nil && m.SDS
	fullTLS, _ := e.configValue(ciliumtls.ConfigFullTLSContext)
	var p problems
	var ok []string
	for _, tp := range e.ports() {
		for _, r := range secretRefs([]tlsPort{tp}) {
			if r.unresolved(modeErr == nil && m.Sync) {
				continue // secret-location names it
			}
			sec := e.st.secret(r.Namespace, r.Name)
			if sec == nil {
				p.add("create the secret, or check the Certificate that should write it (kubectl describe certificate)",
					"%s secret %s named by %s does not exist", r.Direction, r, r.Policy)
				continue
			}
			keys := secretKeys(sec.Data, sec.StringData)
			dir := ciliumtls.Direction(r.Direction)
			for _, k := range ciliumtls.RequiredKeys(dir, r.Context, sds) {
				if !keys[k] {
					p.add(fmt.Sprintf("put %q in secret %s", k, r),
						"%s secret %s has no %q (keys: %s): %s", r.Direction, r, k, keyList(keys), missingKeyEffect(sds))
				}
			}
			if sds && slices.ContainsFunc(ciliumtls.ForbiddenUnderSync(dir), func(k string) bool { return keys[k] }) {
				p.add(fmt.Sprintf("keep only ca.crt in secret %s (a trust-manager Bundle target, or a secret without tls.*)", r),
					"originatingTLS secret %s holds tls.* keys (keys: %s): under secret sync it must hold ca.crt and no tls.* keys", r, keyList(keys))
			}
			if !r.Originated && keys[ciliumtls.KeyTrustedCA] && fullTLS == "true" && ciliumtls.FullTLSContextApplies(sds) {
				p.add("set use-full-tls-context to false, or drop ca.crt from the terminating secret",
					"terminatingTLS secret %s has ca.crt and use-full-tls-context is true: Envoy demands client certificates", r)
			}
			ok = append(ok, fmt.Sprintf("%s %s: keys %s", r.Direction, r, keyList(keys)))
		}
	}
	return p.finding("every secret holds the keys its context needs", dedupeKeepOrder(ok)...)
}

// missingKeyEffect says what a missing key does: inline the agent cannot
// build the TLS context; over SDS Envoy gets an unusable secret.
func missingKeyEffect(sds bool) string {
	if sds {
		return "Envoy is sent a copy it cannot use for this context, and the handshake fails"
	}
	return "the agent cannot build the TLS context"
}

func secretKeys(data map[string][]byte, str map[string]string) map[string]bool {
	out := map[string]bool{}
	for k := range data {
		out[k] = true
	}
	for k := range str {
		out[k] = true
	}
	return out
}

func keyList(keys map[string]bool) string {
	if len(keys) == 0 {
		return "none"
	}
	l := make([]string, 0, len(keys))
	for k := range keys {
		l = append(l, k)
	}
	sort.Strings(l)
	return strings.Join(l, ", ")
}
