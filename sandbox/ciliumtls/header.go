package ciliumtls

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/cilium/cilium/pkg/policy/api"
)

// HeaderSecretRef is a secret an HTTP rule's headerMatches entry takes a
// header's value from (api.HeaderMatch.Secret), resolved as the agent of the
// running secrets mode resolves it (ResolveNamespace: the L7 rules
// translator and the operator's GetReferencedSecretsFromHeaderRules use the
// namespace as written under sync, the certificate manager defaults it to
// the policy's inline).
type HeaderSecretRef struct {
	// Header is the header name; Mismatch the action (REPLACE, ADD, ...).
	Header   string
	Mismatch api.MismatchAction
	// Namespace is "" when it cannot be resolved (no namespace under sync).
	Namespace, Name string
	// Written is the namespace as the policy writes it ("" for none).
	Written string
	// Port is the toPorts entry whose HTTP rule holds the match.
	Port *api.PortRule
}

// String returns "namespace/name".
func (r HeaderSecretRef) String() string { return r.Namespace + "/" + r.Name }

// PortHeaderSecrets returns the header secrets the HTTP rules of a toPorts
// entry name, in rule order, for a policy in policyNamespace.
func PortHeaderSecrets(pr *api.PortRule, policyNamespace string, sync bool) []HeaderSecretRef {
	if pr.Rules == nil {
		return nil
	}
	var out []HeaderSecretRef
	for _, h := range pr.Rules.HTTP {
		for _, m := range h.HeaderMatches {
			if m == nil || m.Secret == nil {
				continue
			}
			out = append(out, HeaderSecretRef{Header: m.Name, Mismatch: m.Mismatch, Name: m.Secret.Name, Port: pr, Written: m.Secret.Namespace,
				Namespace: ResolveNamespace(m.Secret.Namespace, policyNamespace, sync)})
		}
	}
	return out
}

// RuleHeaderSecrets returns the header secrets of every egress and ingress
// toPorts entry of rules, each secret once per header, in rule order.
func RuleHeaderSecrets(rules api.Rules, policyNamespace string, sync bool) []HeaderSecretRef {
	seen := map[string]bool{}
	var out []HeaderSecretRef
	add := func(prs api.PortRules) {
		for i := range prs {
			for _, r := range PortHeaderSecrets(&prs[i], policyNamespace, sync) {
				if k := r.Header + "\x00" + r.String(); !seen[k] {
					seen[k] = true
					out = append(out, r)
				}
			}
		}
	}
	for _, r := range rules {
		if r == nil {
			continue
		}
		for _, e := range r.Egress {
			add(e.ToPorts)
		}
		for _, in := range r.Ingress {
			add(in.ToPorts)
		}
	}
	return out
}

// GenericSecretKey is the key the agent's SDS syncer takes a generic secret
// from even when a secret has others (pkg/envoy/secretsync.go
// genericSecretAttribute, 1.17+).
const GenericSecretKey = "generic"

// TLSMaterialKeys are the keys the agent's SDS syncer reads as TLS material
// before it considers a secret generic (pkg/envoy/secretsync.go
// k8sToEnvoySecret, 1.17+: tls.crt or tls.key make a TLS certificate, ca.crt
// a validation context, tls.sessionticket.key session ticket keys).
func TLSMaterialKeys() []string {
	return []string{KeyCertificate, KeyPrivateKey, KeyTrustedCA, "tls.sessionticket.key"}
}

// HeaderValueProblem says why a header secret holding data (key to value)
// does not give Envoy the header's value, or "" when it does. Cilium reads
// a header secret's only key: inline, the certificate manager's
// GetSecretString refuses a secret without exactly one item ("Secret %s
// must have exactly one item", every release), and the L7 rules translator
// then makes the rule never match; over SDS the agent's syncer makes a
// generic secret of a secret with one key (or a "generic" key) that is no
// TLS key, and serves nothing for a secret without data
// (k8sToEnvoySecret returns nil). An empty value turns the match into a
// presence check (cilium/proxy HeaderMatch: "Perform presence match if the
// value to match is empty"), and a line break cannot be sent in a header
// (RFC 9110 field values; files written with echo end with one). It names
// keys and sizes, never values.
func HeaderValueProblem(data map[string][]byte, sds bool) string {
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	switch {
	case len(keys) == 0:
		if sds {
			return "has no keys: the agent's SDS syncer serves Envoy nothing for it, so the rule never matches"
		}
		return "has no keys: the agent reads a header secret's one key and, finding none, makes the rule never match"
	case sds && len(keys) > 1 && len(data[GenericSecretKey]) > 0 && !slices.ContainsFunc(TLSMaterialKeys(), func(k string) bool { return len(data[k]) > 0 }):
		keys = []string{GenericSecretKey} // SDS serves the "generic" key alone
	case len(keys) > 1:
		return fmt.Sprintf("has %d keys (%s): Cilium reads a header secret's only key; with more, the rule never matches", len(keys), strings.Join(keys, ", "))
	}
	k, v := keys[0], data[keys[0]]
	switch {
	case sds && slices.Contains(TLSMaterialKeys(), k) && len(v) > 0:
		return fmt.Sprintf("has the key %q, which the agent's SDS syncer reads as TLS material: Envoy gets a TLS secret, not the header's value", k)
	case len(v) == 0:
		return fmt.Sprintf("has an empty value under %q: Envoy then only checks that the header is present, and sets it empty", k)
	case strings.ContainsAny(string(v), "\r\n\x00"):
		return fmt.Sprintf("has a line break or NUL in the value under %q (%d bytes; a file written with echo ends with a newline): a header value cannot hold one", k, len(v))
	}
	return ""
}

// HeaderRotationNeedsRecompute reports whether a changed header secret
// reaches Envoy only when the endpoint's policy is recomputed: inline (1.16,
// and 1.17+ without SDS) the agent copies the value into NPDS when it
// computes the policy (pkg/envoy getHTTPRule / the L7 rules translator), so
// a rotated token is served after the next policy change or agent restart
// (cilium/cilium#35513). Over SDS Envoy watches the operator's copy.
func HeaderRotationNeedsRecompute(sds bool) bool { return !sds }

// HeaderKeysAnnotation is the annotation the interception chart puts on a
// policy with secretHeaders: a JSON object from "namespace/name" of each
// header secret to the key the values name. Cilium's headerMatches name no
// key (the agent reads a header secret's only key), so lint and the doctor
// read the key to check from here.
const HeaderKeysAnnotation = "cilium-tls-intercept/secret-header-keys"

// HeaderKeys returns the keys HeaderKeysAnnotation names in annotations
// (nil without it, or when it is not a JSON object of strings).
func HeaderKeys(annotations map[string]string) map[string]string {
	raw, ok := annotations[HeaderKeysAnnotation]
	if !ok {
		return nil
	}
	var keys map[string]string
	if json.Unmarshal([]byte(raw), &keys) != nil {
		return nil
	}
	return keys
}
