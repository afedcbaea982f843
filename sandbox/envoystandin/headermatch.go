package envoystandin

import (
	cilium "github.com/cilium/proxy/go/cilium/api"
)

// HeaderAction is what a header match did to a request, for reports
// (values of SDS secrets are never kept).
type HeaderAction struct {
	// Header is the header's name.
	Header string
	// Action is "added", "replaced", "deleted", "rejected" or "missing".
	Action string
	// FromSecret names the SDS secret the value came from ("" when inline).
	FromSecret string
}

// headerMatchAllowed is HeaderMatch::allowed (cilium/network_policy.cc):
// it compares the header with the inline value or the SDS generic
// secret's, then applies the match or mismatch action; false fails the
// rule. An SDS secret Envoy was not given, with no inline value, fails.
func headerMatchAllowed(m *cilium.HeaderMatch, q *Request, secrets Secrets, acts *[]HeaderAction) bool {
	value, secret := m.GetValue(), m.GetValueSdsSecret()
	if secret != "" {
		if v, ok := secrets.genericValue(secret); ok {
			value = v
		} else if value == "" {
			return false // "missing SDS secret value for header"
		}
	}
	got, present := q.allOf(m.GetName())
	presenceMatch := value == ""
	matches := present && (presenceMatch || got == value)
	note := func(action string) {
		*acts = append(*acts, HeaderAction{Header: m.GetName(), Action: action, FromSecret: secret})
	}
	if matches {
		switch m.GetMatchAction() {
		case cilium.HeaderMatch_CONTINUE_ON_MATCH:
			return true
		case cilium.HeaderMatch_DELETE_ON_MATCH:
			note("deleted")
			q.remove(m.GetName())
			return true
		default: // FAIL_ON_MATCH, and "fail closed if unknown action"
			note("rejected")
			return false
		}
	}
	switch m.GetMismatchAction() {
	case cilium.HeaderMatch_CONTINUE_ON_MISMATCH:
		note("missing")
		return true
	case cilium.HeaderMatch_ADD_ON_MISMATCH:
		q.add(m.GetName(), value)
		note("added")
		return true
	case cilium.HeaderMatch_DELETE_ON_MISMATCH:
		if presenceMatch || !present {
			return true // nothing to remove
		}
		q.remove(m.GetName())
		note("deleted")
		return true
	case cilium.HeaderMatch_REPLACE_ON_MISMATCH:
		q.set(m.GetName(), value)
		note("replaced")
		return true
	default: // FAIL_ON_MISMATCH
		note("missing")
		return false
	}
}

// verdictForRequest is PortNetworkPolicyRule::getVerdict(proxy_id,
// remote_id, headers): the identity verdict; then, for an allowing rule
// with HTTP rules, whether one of them allows the request. Without header
// matches the first allowing HTTP rule decides; with them every HTTP rule
// that allows the request runs its header matches (and their actions), and
// the rule allows when one of them passed.
func (r *Rule) verdictForRequest(proxyID, remote uint32, q *Request, secrets Secrets, acts *[]HeaderAction) Verdict {
	v := r.verdictFor(proxyID, remote)
	if !r.hasHTTPRules() || v != VerdictAllow {
		return v
	}
	if !r.hasHeaderMatch {
		for _, h := range r.http {
			if h.allowed(q) {
				return VerdictAllow
			}
		}
		return VerdictNone
	}
	matched := false
	for _, h := range r.http {
		if !h.allowed(q) {
			continue
		}
		accepted := true
		for _, m := range h.matches {
			if !headerMatchAllowed(m, q, secrets, acts) {
				accepted = false
			}
		}
		matched = matched || accepted
	}
	if matched {
		return VerdictAllow
	}
	return VerdictNone
}
