package envoystandin

import "net/http"

// DeniedBody is the body of the proxy's 403 for a request its policy
// denies: the L7 policy filter's default denied_403_body with the CRLF it
// appends (cilium/l7policy.cc Config::Config), which the agent leaves at
// its default unless --http-403-msg is set.
const DeniedBody = "Access denied\r\n"

// RequestVerdict is the L7 policy filter's decision on one request.
type RequestVerdict struct {
	// Allowed is true when the request goes upstream.
	Allowed bool
	// Status is 403 for a denied request, 0 otherwise.
	Status int
	// Rule is the rule whose verdict decided (nil when the port has no
	// HTTP rules, or for a denial no rule allowed).
	Rule *Rule
	// Actions are what header matches did to the request.
	Actions []HeaderAction
	// NoHTTPRules is true when no rule on the port has HTTP rules, so
	// requests are not checked at all.
	NoHTTPRules bool
}

// Authorize applies the port's HTTP rules to a decrypted request of the
// connection, as the cilium.l7policy filter does (cilium/l7policy.cc
// AccessFilter::decodeHeaders, CiliumPolicyFilterState::enforcePodHTTPPolicy,
// PortPolicy::allowed): without HTTP rules on the port, every request
// passes; otherwise the rules are walked for the remote identity alone
// (serverNames are not consulted here), so any allowing rule without HTTP
// rules allows every request. Header matches may change q.
func (s *StandIn) Authorize(d *Decision, q *Request) RequestVerdict {
	if d.Rules == nil || !d.Rules.hasHTTPRules() {
		return RequestVerdict{Allowed: true, NoHTTPRules: true}
	}
	var acts []HeaderAction
	v, rule := d.Rules.forEachRule(d.Rules.canShortCircuit, func(r *Rule) Verdict {
		return r.verdictForRequest(s.ProxyID, d.RemoteIdentity, q, s.Secrets, &acts)
	})
	if v != VerdictAllow {
		return RequestVerdict{Status: http.StatusForbidden, Rule: rule, Actions: acts}
	}
	return RequestVerdict{Allowed: true, Rule: rule, Actions: acts}
}
