package validate

import (
	"cmp"
	"fmt"

	"github.com/cilium/cilium/pkg/policy/api"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
)

// Checks of the headers HTTP rules set from secrets (headerMatches with a
// secret), the Check field of a Problem.
const (
	// CheckHeaderPort: a header set from a secret sits on a toPorts entry
	// without terminatingTLS, where Envoy never sees decrypted requests.
	CheckHeaderPort = "header-secret-port"
	// CheckHeaderSecret: the secret is not where the release reads it, no
	// object makes it, or it does not hold exactly the one key with a
	// value Envoy can send.
	CheckHeaderSecret = "header-secret"
	// CheckHeaderRotation: the release sends the value inline, so a rotated
	// secret reaches Envoy only with a policy recompute (a warning).
	CheckHeaderRotation = "header-secret-rotation"
)

// headerProblems checks every header a policy's HTTP rules set from a
// secret: on an intercepted port, the secret where the agent (or the
// operator, under sync) reads it, made by one object holding exactly the
// key the chart's values name (ciliumtls.HeaderKeysAnnotation) with a value
// Envoy can send (ciliumtls.HeaderValueProblem); and, inline, a warning that
// rotation needs a policy recompute.
func (inv *inventory) headerProblems(p policy, opts Options) []Problem {
	sds := syncs(opts)
	var out []Problem
	seen := map[string]bool{}
	add := func(ps ...Problem) {
		for _, pr := range ps {
			if k := pr.Check + "\x00" + pr.Message; !seen[k] {
				seen[k] = true
				out = append(out, pr)
			}
		}
	}
	found := false
	visit := func(where string, pr *api.PortRule) {
		for _, ref := range ciliumtls.PortHeaderSecrets(pr, p.namespace, sds) {
			found = true
			at := fmt.Sprintf("%s header %q from secret %q", where, ref.Header, ref.Name)
			if pr.TerminatingTLS == nil {
				add(Problem{Object: p.id, Check: CheckHeaderPort, Message: at + " is on a port without terminatingTLS: Envoy sets headers only on requests it decrypts (on a plain-text port it would send the secret's value unencrypted)",
					Fix: "move the header to the toPorts entry that has terminatingTLS and originatingTLS (the chart's intercept.<group>.secretHeaders)"})
			}
			add(inv.headerSecretProblems(p, at, ref, opts)...)
		}
	}
	for _, r := range p.rules {
		for i, e := range r.Egress {
			for j := range e.ToPorts {
				visit(fmt.Sprintf("egress[%d].toPorts[%d]", i, j), &e.ToPorts[j])
			}
		}
		for i, in := range r.Ingress {
			for j := range in.ToPorts {
				visit(fmt.Sprintf("ingress[%d].toPorts[%d]", i, j), &in.ToPorts[j])
			}
		}
	}
	if found && ciliumtls.HeaderRotationNeedsRecompute(sds) {
		add(Problem{Object: p.id, Check: CheckHeaderRotation, Severity: Warning, Message: fmt.Sprintf(
			"Cilium %s (%s) copies header secrets' values into the policy Envoy gets when it computes the endpoint's policy: a rotated secret is sent only after the next recompute (cilium/cilium#35513)",
			opts.Cilium, inlineMode(opts)),
			Fix: "after rotating, make the agent recompute (kubectl -n kube-system rollout restart daemonset/cilium, or a change to the policy); Cilium 1.17+ with secret sync serves header secrets over SDS, where a rotation needs nothing"})
	}
	return out
}

// inlineMode names why a release sends secrets inline.
func inlineMode(opts Options) string {
	if ciliumtls.ModeOf(opts.Cilium) == ciliumtls.ModeK8sBackend {
		return "no SDS before 1.17"
	}
	return "secret sync off"
}

// headerSecretProblems checks the secret a header is set from.
func (inv *inventory) headerSecretProblems(p policy, at string, ref ciliumtls.HeaderSecretRef, opts Options) []Problem {
	fail := func(msg, fix string) []Problem {
		return []Problem{{Object: p.id, Check: CheckHeaderSecret, Message: msg, Fix: fix}}
	}
	ns := ref.Namespace
	switch {
	case ns == "" && p.namespace != "":
		return fail(fmt.Sprintf("%s names no namespace: with secret sync (Cilium %s) neither the operator nor the agent defaults it to the policy's, so the secret is never copied and Envoy never gets the value", at, opts.Cilium),
			"set secret.namespace to the namespace the secret is made in")
	case ns == "":
		return fail(at+" names no namespace, and a clusterwide policy has none to default to", "set secret.namespace to the namespace the secret is made in")
	}
	secret := ns + "/" + ref.Name
	out := secretsNamespaceProblems(p, at, secret, ns, opts)
	for i := range out {
		out[i].Check = CheckHeaderSecret
	}
	want := p.headerKeys[secret]
	sources := inv.secretSources(ns, ref.Name)
	switch {
	case len(sources) == 0:
		return append(out, inv.unmadeHeaderSecret(p, at, ns, ref.Name, want))
	case len(sources) > 1:
		return append(out, duplicateSources(p, at, secret, sources))
	}
	src := sources[0]
	if src.cert != nil {
		return append(out, fail(fmt.Sprintf("%s: %s is made by %s, whose secret holds tls.crt, tls.key and ca.crt; a header secret holds one key", at, secret, src.by),
			"create a Secret of its own for the header value")...)
	}
	if want != "" && !src.keys[want] {
		out = append(out, fail(fmt.Sprintf("%s: %s made by %s has no key %q, the key the chart's values name (it has %s)", at, secret, src.by, want, keyList(src.keys)),
			headerSecretFix(ns, ref.Name, want))...)
	}
	data := src.data
	if data == nil { // values unknown: judge the keys alone
		data = map[string][]byte{}
		for k := range src.keys {
			data[k] = []byte("?")
		}
	}
	if msg := ciliumtls.HeaderValueProblem(data, syncs(opts)); msg != "" {
		out = append(out, fail(fmt.Sprintf("%s: %s made by %s %s", at, secret, src.by, msg), headerSecretFix(ns, ref.Name, cmp.Or(want, "token")))...)
	}
	return out
}

// unmadeHeaderSecret is the finding for a header secret no object makes:
// the user makes it (the chart never holds the value), so in a user's
// manifests it is assumed to exist, in a chart's render it is a failure
// unless Options.ExternalSecrets lists it.
func (inv *inventory) unmadeHeaderSecret(p policy, at, ns, name, key string) Problem {
	one := "one key"
	if key != "" {
		one = fmt.Sprintf("the one key %q", key)
	}
	if !inv.openWorld {
		return Problem{Object: p.id, Check: CheckHeaderSecret, Message: fmt.Sprintf("%s: %s/%s is made by no Secret in the objects", at, ns, name),
			Fix: headerSecretFix(ns, name, cmp.Or(key, "token"))}
	}
	return Problem{Object: p.id, Check: CheckHeaderSecret, Severity: Assumption,
		Message: fmt.Sprintf("%s: %s/%s is made by no Secret in the objects: assumed to exist with %s and a value", at, ns, name, one),
		Fix:     fmt.Sprintf("check its keys (and the base64 length of each value) without printing the value: kubectl -n %s get secret %s -o go-template='{{range $k, $v := .data}}{{$k}} {{len $v}}{{\"\\n\"}}{{end}}'", ns, name)}
}

// headerSecretFix says how to make a header secret with key, without
// putting the value on the command line or a trailing newline into it.
func headerSecretFix(ns, name, key string) string {
	return fmt.Sprintf("recreate it with the header's whole value under one key: printf '%%s' \"$VALUE\" | kubectl -n %s create secret generic %s --from-file=%s=/dev/stdin", ns, name, key)
}
