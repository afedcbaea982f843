package validate

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// CheckKnownBug: the objects meet a known bug of the Cilium release (a row
// of the table in sandbox/versions, knownbugs.yaml). A warning: the objects
// are valid, but the release mishandles them; the message names the bug,
// its reference and the release that fixes it.
const CheckKnownBug = "known-bug"

// knownBugProblems warns where the objects meet a known bug of
// opts.Cilium: policies whose rules meet one (ciliumtls.PolicyKnownBugs),
// and policy secrets whose type can change under a release whose operator
// cannot follow (row K9).
func (inv *inventory) knownBugProblems(objs []*unstructured.Unstructured, opts Options) []Problem {
	v := opts.Cilium
	var out []Problem
	for _, p := range inv.policies {
		for _, b := range ciliumtls.PolicyKnownBugs(v, p.rules) {
			out = append(out, Problem{Object: p.id, Check: CheckKnownBug, Severity: Warning, Message: b.Message(v), Fix: b.Bug.Fix})
		}
	}
	return append(out, inv.secretTypeProblems(secretTypes(objs, opts.DefaultNamespace), opts)...)
}

// secretTypeProblems warns, on a release showing row K9 with secret sync,
// about a policy secret made as a Secret of another type than
// kubernetes.io/tls and also written by a cert-manager Certificate:
// cert-manager keeps an existing secret's type, but once the Secret is
// deleted (to force a new issue, say) it makes it again as
// kubernetes.io/tls, and the operator's copy then keeps the old type and
// data for good.
func (inv *inventory) secretTypeProblems(types map[string]corev1.SecretType, opts Options) []Problem {
	v := opts.Cilium
	row := versions.KnownBugByID(versions.SecretTypeChange)
	sync := ciliumtls.ModeOf(v) == ciliumtls.ModeNamespaceSync && !opts.WithoutSecretSync
	if !sync || !row.Affects(v) {
		return nil
	}
	var out []Problem
	seen := map[string]bool{}
	for _, p := range inv.policies {
		for _, ref := range ciliumtls.RuleSecrets(p.rules, p.namespace, true) {
			key := ref.String()
			typ, made := types[key]
			if !made || typ == corev1.SecretTypeTLS || seen[p.id+key] {
				continue
			}
			cert := inv.certificateWriting(key)
			if cert == "" {
				continue
			}
			seen[p.id+key] = true
			out = append(out, Problem{Object: p.id, Check: CheckKnownBug, Severity: Warning,
				Message: fmt.Sprintf("%s secret %s is made as a Secret of type %s that %s also writes: cert-manager keeps that type, but makes the secret again as %s once it is deleted, and on Cilium %s the operator's copy then keeps the old type and data: known bug %s: %s (%s)",
					ref.Direction, key, typ, cert, corev1.SecretTypeTLS, v, row.Label(), row.Title, row.FixedText(v)),
				Fix: fmt.Sprintf("leave the Secret to %s (or make it with type %s); %s", cert, corev1.SecretTypeTLS, row.Fix)})
		}
	}
	return out
}

// certificateWriting names the Certificate among the objects that writes
// secret key ("namespace/name"), "" when none does.
func (inv *inventory) certificateWriting(key string) string {
	for _, src := range inv.secrets[key] {
		if src.cert != nil {
			return src.cert.id
		}
	}
	return ""
}

// secretTypes returns the type of every Secret among objs by
// "namespace/name"; a Secret that names no type is Opaque, as the API
// server defaults it.
func secretTypes(objs []*unstructured.Unstructured, defaultNamespace string) map[string]corev1.SecretType {
	out := map[string]corev1.SecretType{}
	for _, o := range objs {
		if o.GetKind() != "Secret" || o.GroupVersionKind().Group != "" {
			continue
		}
		ns := o.GetNamespace()
		if ns == "" {
			ns = defaultNamespace
		}
		typ, _, _ := unstructured.NestedString(o.Object, "type")
		if strings.TrimSpace(typ) == "" {
			typ = string(corev1.SecretTypeOpaque)
		}
		out[ns+"/"+o.GetName()] = corev1.SecretType(typ)
	}
	return out
}
