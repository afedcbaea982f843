package doctor

import (
	"bytes"
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
)

// syncedCopy returns the operator's copy of secret ns/name in secretsNS,
// found by its owning-secret labels, or nil.
func (s *State) syncedCopy(secretsNS, ns, name string) *corev1.Secret {
	for i := range s.SyncedSecrets {
		c := &s.SyncedSecrets[i]
		if srcNS, srcName := ciliumtls.CopyOf(c.Labels); c.Namespace == secretsNS && srcNS == ns && srcName == name {
			return c
		}
	}
	return nil
}

// checkSecretSynced checks that, under secret sync, Cilium's operator has
// copied every policy secret into the secrets namespace: the agent never
// reads the policy's secret there, it tells Envoy the copy's name, and a
// missing copy leaves Envoy without a certificate and nothing saying why.
func checkSecretSynced(e *env) Finding {
	m, err := e.secretsMode()
	if err != nil {
		return skip(err.Error())
	}
	if !m.Sync {
		return pass("no copies needed: "+m.Describe, m.Evidence...)
	}
	if r := e.st.missing(KindSyncedSecret); r != "" {
		return unread(r)
	}
	p := problems{context: m.Evidence}
	var ok, warnings []string
	for _, r := range secretRefs(e.ports()) {
		if r.unresolved(true) {
			continue // never copied: secret-location names the missing namespace
		}
		want := ciliumtls.SyncedSecretName(*e.version, r.Namespace, r.Name)
		c := e.st.syncedCopy(m.Namespace, r.Namespace, r.Name)
		if c == nil {
			p.add(fmt.Sprintf("look at Cilium's operator, which makes the copy when a policy naming the secret or the secret changes: kubectl -n %[1]s get deploy cilium-operator, kubectl -n %[1]s logs deploy/cilium-operator | grep -i secret; kubectl -n %[1]s rollout restart deploy/cilium-operator makes it copy every policy secret again", e.scope.CiliumNamespace),
				"%s secret %s has no copy in %q: Envoy is told over SDS to use %s/%s, which nothing supplies (\"Secret is not supplied by SDS\"), so handshakes fail or the endpoint keeps its old policy",
				r.Direction, r, m.Namespace, m.Namespace, want)
			continue
		}
		ok = append(ok, fmt.Sprintf("%s %s: copy %s/%s", r.Direction, r, c.Namespace, c.Name))
		if c.Name != want {
			warnings = append(warnings, fmt.Sprintf("copy %s/%s of %s is not named %q, the name Cilium %s gives Envoy", c.Namespace, c.Name, r, want, e.version))
		}
		if src := e.st.secret(r.Namespace, r.Name); src != nil && stale(src, c) {
			warnings = append(warnings, fmt.Sprintf("copy %s/%s holds another certificate than %s: the operator has not copied its latest issue yet, so Envoy serves the old one", c.Namespace, c.Name, r))
		}
	}
	f := p.finding(fmt.Sprintf("Cilium's operator has copied every policy secret into %q", m.Namespace), append(m.Evidence, dedupeKeepOrder(ok)...)...)
	if f.Status == StatusPass && len(warnings) > 0 {
		return warn(warnings[0], ciliumtls.StaleCopyFix(*e.version, e.scope.CiliumNamespace),
			append(warnings, f.Evidence...)...)
	}
	return f
}

// stale reports whether the copy's certificates differ from the source's.
func stale(src, c *corev1.Secret) bool {
	for _, k := range []string{ciliumtls.KeyCertificate, ciliumtls.KeyTrustedCA} {
		if !bytes.Equal(src.Data[k], c.Data[k]) {
			return true
		}
	}
	return false
}
