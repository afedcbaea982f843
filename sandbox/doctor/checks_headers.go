package doctor

import (
	"bytes"
	"cmp"
	"fmt"
	"sort"

	"github.com/cilium/cilium/pkg/policy/api"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
)

// headerRef is a header a policy's HTTP rule sets from a secret.
type headerRef struct {
	ciliumtls.HeaderSecretRef
	Policy string
	// PolicyNamespace is the policy's ("" for clusterwide policies).
	PolicyNamespace string
	// Key is the key the interception chart's values name
	// (ciliumtls.HeaderKeysAnnotation), "" when the policy does not say.
	Key string
}

// headerRefs returns the headers the State's policies set from secrets,
// with the namespace their authors meant (as written, or the policy's).
func (s *State) headerRefs() []headerRef {
	var out []headerRef
	add := func(policy, ns string, annotations map[string]string, specs api.Rules) {
		keys := ciliumtls.HeaderKeys(annotations)
		for _, hs := range ciliumtls.RuleHeaderSecrets(specs, ns, false) {
			out = append(out, headerRef{HeaderSecretRef: hs, Policy: policy, PolicyNamespace: ns, Key: keys[hs.String()]})
		}
	}
	for _, p := range s.Policies {
		add(ref(string(KindPolicy), p.Namespace, p.Name), p.Namespace, p.Annotations, append(api.Rules{p.Spec}, p.Specs...))
	}
	for _, p := range s.ClusterPolicies {
		add(ref(string(KindClusterPolicy), "", p.Name), "", p.Annotations, append(api.Rules{p.Spec}, p.Specs...))
	}
	return out
}

// checkHeaderSecrets checks the headers the policies set from secrets
// (headerMatches with a secret): each on a port Envoy decrypts, its Secret
// where the running secrets mode reads it, holding exactly the key the
// chart's values name with a value Envoy can send
// (ciliumtls.HeaderValueProblem), and under sync copied by the operator
// with the same data. Inline (1.16, or without sync) it warns that a
// rotation reaches Envoy only when the policy is recomputed. It names keys,
// never values.
func checkHeaderSecrets(e *env) Finding {
	if r := e.st.missing(KindPolicy); r != "" {
		return skip(r)
	}
	refs := inScope(e, e.st.headerRefs(), func(r headerRef) string { return r.PolicyNamespace })
	if len(refs) == 0 {
		var read []string
		for name := range e.policyConditions() {
			read = append(read, name+": no headerMatches entry names a secret")
		}
		sort.Strings(read)
		return pass("no policy sets a header from a secret", read...)
	}
	m, err := e.secretsMode()
	if err != nil {
		return skip(err.Error())
	}
	p := problems{context: m.Evidence}
	var ok []string
	for _, r := range refs {
		if line := e.headerRefProblem(&p, m, r); line != "" {
			ok = append(ok, line)
		}
	}
	f := p.finding(fmt.Sprintf("%d header(s) set from secrets, each readable with one key and a value", len(refs)), append(m.Evidence, ok...)...)
	if f.Status == StatusPass && ciliumtls.HeaderRotationNeedsRecompute(m.SDS) {
		return warn(fmt.Sprintf("header secrets reach Envoy inline (%s): a rotated secret is sent only when the endpoint's policy is recomputed (cilium/cilium#35513)", m.Describe),
			"after rotating a header secret, restart the agents ("+ciliumtls.RestartCommand(e.scope.CiliumNamespace)+") or change the policy; from Cilium 1.17 with secret sync Envoy gets header secrets over SDS and a rotation needs nothing",
			f.Evidence...)
	}
	return f
}

// headerRefProblem adds what is wrong with r to p, or returns the evidence
// line of a header that is right.
func (e *env) headerRefProblem(p *problems, m secretsMode, r headerRef) string {
	at := fmt.Sprintf("%s: header %q from secret", r.Policy, r.Header)
	ns := ciliumtls.ResolveNamespace(r.Written, r.PolicyNamespace, m.Sync)
	src := fmt.Sprintf("%s/%s", r.Namespace, r.Name)
	fix := fmt.Sprintf("recreate it with the header's whole value under one key: printf '%%s' \"$VALUE\" | kubectl -n %s create secret generic %s --from-file=%s=/dev/stdin", r.Namespace, r.Name, cmp.Or(r.Key, "token"))
	switch {
	case r.Port.TerminatingTLS == nil:
		p.add("move the header to the toPorts entry with terminatingTLS and originatingTLS", "%s %s is on a port without terminatingTLS: Envoy sets headers only on requests it decrypts", at, src)
	case ns == "":
		p.add("set the secret's namespace in the headerMatches entry", "%s %q names no namespace: under secret sync Cilium does not default it, so nothing is copied and Envoy never gets the value", at, r.Name)
	case m.Sync && !ciliumtls.OperatorCopies(m.Namespace, ns):
		p.add(fmt.Sprintf("create the Secret in another namespace (this chart: the TLS secrets namespace, cert-manager by default) and point the policy there; Cilium's operator copies it into %q", m.Namespace),
			"%s %s is inside %q, which Cilium's operator does not watch under secret sync: a Secret written there after its policy, or rotated, never reaches Envoy", at, src, m.Namespace)
	case !m.Sync && !m.AnyNamespace && ns != m.Namespace:
		p.add(fmt.Sprintf("create the Secret in %q and point the policy there", m.Namespace), "%s %s is outside %q, the only namespace the agent reads without secret sync", at, src, m.Namespace)
	default:
		return e.headerSecretProblem(p, m, r, at, fix)
	}
	return ""
}

// headerSecretProblem checks the Secret itself and, under sync, its copy.
func (e *env) headerSecretProblem(p *problems, m secretsMode, r headerRef, at, fix string) string {
	src := r.String()
	sec := e.st.secret(r.Namespace, r.Name)
	if sec == nil {
		p.add(fix, "%s %s does not exist", at, src)
		return ""
	}
	if _, has := sec.Data[r.Key]; r.Key != "" && !has {
		p.add(fix, "%s %s has no key %q, the key the chart's values name (it has %s)", at, src, r.Key, keysList(sec.Data))
		return ""
	}
	if msg := ciliumtls.HeaderValueProblem(sec.Data, m.SDS); msg != "" {
		p.add(fix, "%s %s %s", at, src, msg)
		return ""
	}
	line := fmt.Sprintf("%s %s: one key %s", at, src, keysList(sec.Data))
	if !m.Sync {
		return line + ", read by the agent inline"
	}
	c := e.st.syncedCopy(m.Namespace, r.Namespace, r.Name)
	if e.st.missing(KindSyncedSecret) == "" && c == nil {
		p.add(fmt.Sprintf("look at Cilium's operator, which copies the Secret when a policy naming it or the Secret changes: kubectl -n %s rollout restart deploy/cilium-operator", e.scope.CiliumNamespace),
			"%s %s has no copy in %q: Envoy is told over SDS to use %s, which nothing supplies, so the rule never matches", at, src, m.Namespace, ciliumtls.SDSSecretName(*e.version, m.Namespace, r.Namespace, r.Name))
		return ""
	}
	if c != nil && !sameData(sec.Data, c.Data) {
		p.add(fmt.Sprintf("wait for Cilium's operator to copy it, or restart it: kubectl -n %s rollout restart deploy/cilium-operator", e.scope.CiliumNamespace),
			"%s %s differs from its copy %s/%s: Envoy still sends the value before the last change", at, src, c.Namespace, c.Name)
		return ""
	}
	if c != nil {
		line += fmt.Sprintf(", copied to %s/%s and served over SDS as a generic secret", c.Namespace, c.Name)
	}
	return line
}

// sameData reports whether two secrets hold the same keys and values.
func sameData(a, b map[string][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || !bytes.Equal(v, w) {
			return false
		}
	}
	return true
}

// keysList quotes a secret's key names, sorted.
func keysList(data map[string][]byte) string {
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return quoteList(keys)
}
