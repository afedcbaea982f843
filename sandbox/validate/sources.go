package validate

import (
	"fmt"
	"sort"
	"strings"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
)

func direction(terminating bool) ciliumtls.Direction {
	if terminating {
		return ciliumtls.Terminating
	}
	return ciliumtls.Originating
}

// unmadeSecret is the finding for a policy secret no object makes: a
// failure when the objects make a secret of that name in another namespace
// (the policy points at the wrong one) or must be complete, an assumption
// that it is made elsewhere otherwise (Options.OpenWorld).
func (inv *inventory) unmadeSecret(p policy, where, ns, name string, keys []string) Problem {
	var elsewhere []string
	for key, srcs := range inv.secrets {
		if other, n, _ := strings.Cut(key, "/"); n == name && other != ns {
			for _, s := range srcs {
				elsewhere = append(elsewhere, s.by)
			}
		}
	}
	for _, b := range inv.bundles {
		if b.name == name {
			elsewhere = append(elsewhere, b.id+" (into the namespaces its namespaceSelector matches)")
		}
	}
	sort.Strings(elsewhere)
	if len(elsewhere) > 0 {
		return Problem{Object: p.id, Check: CheckSecretSource, Message: fmt.Sprintf(
			"%s.secret %s/%s is made by no Certificate, Bundle or Secret in the objects, which make %q elsewhere: %s", where, ns, name, name, strings.Join(elsewhere, ", ")),
			Fix: fmt.Sprintf("point secret.namespace where the secret is made, or make it in %s", ns)}
	}
	if !inv.openWorld {
		return Problem{Object: p.id, Check: CheckSecretSource, Message: fmt.Sprintf(
			"%s.secret %s/%s is made by no Certificate, Bundle or Secret in the objects", where, ns, name),
			Fix: fmt.Sprintf("make it in %s with %s (a Certificate, a trust-manager Bundle or a Secret)", ns, strings.Join(keys, ", "))}
	}
	return Problem{Object: p.id, Check: CheckSecretSource, Severity: Assumption, Message: fmt.Sprintf(
		"%s.secret %s/%s is made by no Certificate, Bundle or Secret in the objects: assumed to exist with %s", where, ns, name, strings.Join(keys, ", ")),
		Fix: fmt.Sprintf("check that it does: kubectl -n %s get secret %s -o jsonpath='{.data}'", ns, name)}
}

// duplicateSources is the finding for a secret more than one object makes.
func duplicateSources(p policy, where, secret string, sources []secretSource) Problem {
	var by []string
	byCert := ""
	for _, s := range sources {
		by = append(by, s.by)
		if s.cert != nil {
			byCert = s.by
		}
	}
	fix := "keep one of them"
	if byCert != "" {
		fix = fmt.Sprintf("drop the others and let %s write it: cert-manager renews it, and a terminatingTLS context ignores its ca.crt since Cilium 1.16.0 (cilium/cilium#31903), so it needs no hand-made copy", byCert)
	}
	return Problem{Object: p.id, Check: CheckSecretSource, Message: fmt.Sprintf(
		"%s.secret %s is made by more than one object (%s); they overwrite each other", where, secret, strings.Join(by, ", ")), Fix: fix}
}

// keyFix says how to give a policy secret key k.
func keyFix(k string) string {
	if k == ciliumtls.KeyTrustedCA {
		return "give the secret ca.crt with the roots the upstream chains to: a trust-manager Bundle with useDefaultCAs whose target is a Secret key ca.crt (Envoy has no system trust store to fall back to)"
	}
	return "issue the secret with a cert-manager Certificate, which writes tls.crt and tls.key"
}
