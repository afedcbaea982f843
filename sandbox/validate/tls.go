package validate

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/cilium/cilium/pkg/policy/api"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
	"github.com/cilium-tls-intercept/sandbox/sandbox/dnsname"
)

// policyProblems runs the per-policy checks: release support, visibility,
// and the TLS secrets each context names.
func (inv *inventory) policyProblems(opts Options) []Problem {
	var out []Problem
	for _, p := range inv.policies {
		out = append(out, versionProblems(p, opts.Cilium)...)
		out = append(out, inv.headerProblems(p, opts)...)
		for _, r := range p.rules {
			for i, e := range r.Egress {
				for j, pr := range e.ToPorts {
					where := fmt.Sprintf("egress[%d].toPorts[%d]", i, j)
					out = append(out, inv.portRuleProblems(p, where, pr, e.ToFQDNs, opts)...)
				}
			}
			for i, in := range r.Ingress {
				for j, pr := range in.ToPorts {
					where := fmt.Sprintf("ingress[%d].toPorts[%d]", i, j)
					out = append(out, inv.portRuleProblems(p, where, pr, nil, opts)...)
				}
			}
		}
	}
	return out
}

func (inv *inventory) portRuleProblems(p policy, where string, pr api.PortRule, fqdns api.FQDNSelectorSlice, opts Options) []Problem {
	if pr.TerminatingTLS == nil && pr.OriginatingTLS == nil {
		return nil
	}
	var out []Problem
	if !ciliumtls.ParsesHTTP(&pr) {
		out = append(out, Problem{Object: p.id, Check: CheckHTTPVisibility,
			Message: where + " has TLS contexts but no rules.http: Envoy does not parse the decrypted HTTP, so requests are neither visible nor subject to L7 rules",
			Fix:     "add rules: {http: [{}]} to the toPorts entry (an empty rule allows every request and turns on HTTP parsing)"})
	}
	if pr.TerminatingTLS != nil {
		names := sniNames{fqdns: fqdns, serverNames: pr.ServerNames}
		out = append(out, inv.tlsContextProblems(p, where+".terminatingTLS", pr.TerminatingTLS, &names, opts)...)
	}
	if pr.OriginatingTLS != nil {
		out = append(out, inv.tlsContextProblems(p, where+".originatingTLS", pr.OriginatingTLS, nil, opts)...)
	}
	return out
}

// sniNames are the names clients reach a terminating context with.
type sniNames struct {
	fqdns       api.FQDNSelectorSlice
	serverNames []api.ServerName
}

// tlsContextProblems checks the secret a TLS context names: its namespace,
// what makes it, its keys and, for terminating contexts (names set), its SANs.
func (inv *inventory) tlsContextProblems(p policy, where string, tls *api.TLSContext, names *sniNames, opts Options) []Problem {
	terminating := names != nil
	if tls.Secret == nil || tls.Secret.Name == "" {
		return []Problem{{Object: p.id, Check: CheckSecretSource, Message: where + " names no secret", Fix: "name it: secret: {namespace: ..., name: ...}"}}
	}
	var out []Problem
	ns := ciliumtls.ResolveNamespace(tls.Secret.Namespace, p.namespace, syncs(opts))
	if ns == "" && p.namespace != "" {
		out = append(out, Problem{Object: p.id, Check: CheckSecretsNamespace, Message: fmt.Sprintf(
			"%s.secret %q names no namespace: with secret sync (Cilium %s) neither the operator nor the agent defaults it to the policy's, so the secret is never copied and Envoy never gets it",
			where, tls.Secret.Name, opts.Cilium), Fix: "set secret.namespace to the namespace the secret is made in"})
		ns = p.namespace // check the secret the author meant as well
	}
	if ns == "" {
		return []Problem{{Object: p.id, Check: CheckSecretSource, Message: fmt.Sprintf("%s.secret %q names no namespace, and a clusterwide policy has none to default to", where, tls.Secret.Name),
			Fix: "set secret.namespace to the namespace the secret is made in"}}
	}
	secret := ns + "/" + tls.Secret.Name
	out = append(out, secretsNamespaceProblems(p, where, secret, ns, opts)...)
	sources := inv.secretSources(ns, tls.Secret.Name)
	switch {
	case len(sources) == 0:
		keys := ciliumtls.RequiredKeys(direction(terminating), tls, syncs(opts))
		return append(out, inv.unmadeSecret(p, where, ns, tls.Secret.Name, keys))
	case len(sources) > 1:
		return append(out, duplicateSources(p, where, secret, sources))
	}
	src := sources[0]
	out = append(out, keyProblems(p, where, secret, tls, terminating, src, opts)...)
	if terminating && src.cert != nil {
		out = append(out, sanProblems(p, where, *names, src.cert)...)
	}
	return out
}

// secretsNamespaceProblems checks where a 1.17+ policy secret lives. With
// secret sync the operator copies it into the secrets namespace and the agent
// names the copy to Envoy, but the operator watches only secrets outside that
// namespace (ciliumtls.OperatorCopies): one inside is copied only when a
// policy changes (never, if it is issued after its policy), and its renewals
// late (ciliumtls.UnwatchedRenewal). Without sync the agent reads nothing but
// the secrets namespace.
func secretsNamespaceProblems(p policy, where, secret, ns string, opts Options) []Problem {
	if ciliumtls.ModeOf(opts.Cilium) != ciliumtls.ModeNamespaceSync {
		return nil
	}
	switch {
	case opts.WithoutSecretSync && ns != opts.SecretsNamespace:
		return []Problem{{Object: p.id, Check: CheckSecretsNamespace, Message: fmt.Sprintf(
			"%s.secret %s is outside %s, the only namespace Cilium %s reads policy secrets from without secret sync", where, secret, opts.SecretsNamespace, opts.Cilium),
			Fix: fmt.Sprintf("make the secret in %s and point the policy there, or turn on secret sync (tls.secretSync.enabled=true)", opts.SecretsNamespace)}}
	case !opts.WithoutSecretSync && !ciliumtls.OperatorCopies(opts.SecretsNamespace, ns):
		return []Problem{{Object: p.id, Check: CheckSecretsNamespace, Message: fmt.Sprintf(
			"%s.secret %s is inside %s: with secret sync (Cilium %s) the operator copies policy secrets into it only from other namespaces and does not watch it, so Envoy never gets a secret issued after its policy, and %s",
			where, secret, opts.SecretsNamespace, opts.Cilium, ciliumtls.UnwatchedRenewal(opts.Cilium)),
			Fix: fmt.Sprintf("make the secret in another namespace (cert-manager's, beside the CA) and point the policy there; the operator copies it into %s", opts.SecretsNamespace)}}
	}
	return nil
}

// syncs reports whether the agent gets policy secrets over SDS from the
// operator's copies (1.17+ with secret sync).
func syncs(opts Options) bool {
	return ciliumtls.ModeOf(opts.Cilium) == ciliumtls.ModeNamespaceSync && !opts.WithoutSecretSync
}

// keyProblems checks the keys a context reads (ciliumtls.RequiredKeys) and,
// for an originating context under secret sync, the keys it must not hold
// (ciliumtls.ForbiddenUnderSync).
func keyProblems(p policy, where, secret string, tls *api.TLSContext, terminating bool, src secretSource, opts Options) []Problem {
	dir := direction(terminating)
	var out []Problem
	for _, k := range ciliumtls.RequiredKeys(dir, tls, syncs(opts)) {
		if !src.keys[k] {
			out = append(out, Problem{Object: p.id, Check: CheckSecretKeys, Message: fmt.Sprintf(
				"%s.secret %s made by %s has no key %q (it has %s)", where, secret, src.by, k, keyList(src.keys)), Fix: keyFix(k)})
		}
	}
	if !syncs(opts) {
		return out
	}
	if slices.ContainsFunc(ciliumtls.ForbiddenUnderSync(dir), func(k string) bool { return src.keys[k] }) {
		out = append(out, Problem{Object: p.id, Check: CheckSecretKeys, Message: fmt.Sprintf(
			"%s.secret %s made by %s has tls.* keys (%s): with secret sync (Cilium %s) an originatingTLS secret must hold ca.crt and no tls.* keys",
			where, secret, src.by, keyList(src.keys), opts.Cilium),
			Fix: "point originatingTLS at a Secret holding only ca.crt (a trust-manager Bundle whose target is a Secret key ca.crt), not at a leaf's secret"})
	}
	return out
}

// sanProblems checks that the terminating certificate has a SAN for every
// name the rule intercepts (toFQDNs) and every serverNames entry.
func sanProblems(p policy, where string, names sniNames, c *certificate) []Problem {
	type wanted struct{ what, name string }
	var want []wanted
	for _, f := range names.fqdns {
		if f.MatchName != "" {
			want = append(want, wanted{fmt.Sprintf("toFQDNs matchName %q", f.MatchName), f.MatchName})
		} else {
			want = append(want, wanted{fmt.Sprintf("toFQDNs matchPattern %q", f.MatchPattern), f.MatchPattern})
		}
	}
	for _, sn := range names.serverNames {
		want = append(want, wanted{fmt.Sprintf("serverNames %q", sn), string(sn)})
	}
	sans := c.cert.Spec.DNSNames
	var out []Problem
	for _, w := range want {
		if slices.ContainsFunc(sans, func(san string) bool { return dnsname.SANCovers(san, w.name) }) {
			continue
		}
		msg := fmt.Sprintf("%s: %s is not covered by any dnsNames SAN of %s %v; clients would reject the served certificate", where, w.what, c.id, sans)
		if strings.Contains(w.name, "**") {
			msg += " (a \"**.\" pattern matches any depth, which no SAN covers)"
		}
		out = append(out, Problem{Object: p.id, Check: CheckSANCoverage, Message: msg,
			Fix: fmt.Sprintf("add %q to the dnsNames of %s (\"*.x\" covers one label below x, not x itself)", w.name, c.id)})
	}
	return out
}

func keyList(keys map[string]bool) string {
	var ks []string
	for k := range keys {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	if len(ks) == 0 {
		return "no keys"
	}
	return strings.Join(ks, ", ")
}
