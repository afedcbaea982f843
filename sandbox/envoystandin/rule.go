package envoystandin

import (
	"fmt"

	cilium "github.com/cilium/proxy/go/cilium/api"
)

// Verdict is a rule's verdict, as cilium/network_policy.cc's RuleVerdict.
type Verdict int

// The verdicts, ordered as the proxy orders them (sort puts higher first).
const (
	VerdictNone Verdict = iota
	VerdictPass
	VerdictAllow
	VerdictDeny
)

// String names the verdict as the proxy's logs do.
func (v Verdict) String() string {
	switch v {
	case VerdictNone:
		return "NONE"
	case VerdictPass:
		return "PASS"
	case VerdictAllow:
		return "ALLOW"
	case VerdictDeny:
		return "DENY"
	}
	return "UNKNOWN"
}

// Rule is one rule of a port's list as the proxy holds it
// (network_policy.cc, class PortNetworkPolicyRule).
type Rule struct {
	// Proto is the NPDS rule; nil for the "default allow rule" the proxy
	// adds when it merges an empty rule set with a non-empty one.
	Proto *cilium.PortNetworkPolicyRule
	// Entry and Index locate Proto in the NPDS resource:
	// EgressPerPortPolicies[Entry].Rules[Index]; both -1 for the default
	// allow rule.
	Entry, Index int

	verdict        Verdict
	precedence     uint32
	passPrecedence uint32 // tier_last_precedence_
	passIndex      int
	proxyID        uint32
	remotes        map[uint32]bool
	snis           []sniPattern
	http           []*httpRule // nil: no HTTP rules
	hasHeaderMatch bool
}

// defaultAllowRule is PortNetworkPolicyRule's default constructor:
// "default allow rule", Allow, precedence 0, any remote, no L7, no TLS.
func defaultAllowRule() *Rule {
	return &Rule{Entry: -1, Index: -1, verdict: VerdictAllow}
}

// newRule is PortNetworkPolicyRule's constructor from the NPDS rule; an
// error is what makes the proxy reject the whole NPDS update.
func newRule(p *cilium.PortNetworkPolicyRule, entry, index int) (*Rule, error) {
	r := &Rule{Proto: p, Entry: entry, Index: index, precedence: p.GetPrecedence(),
		passPrecedence: p.GetPassPrecedence(), proxyID: p.GetProxyId(), verdict: VerdictAllow}
	switch {
	case p.GetPassPrecedence() != 0:
		r.verdict = VerdictPass
	case p.GetDeny():
		r.verdict = VerdictDeny
	}
	if r.passPrecedence > r.precedence {
		return nil, fmt.Errorf("pass_precedence %d must be lower than precedence %d", r.passPrecedence, r.precedence)
	}
	if len(p.GetRemotePolicies()) > 0 {
		r.remotes = map[uint32]bool{}
		for _, id := range p.GetRemotePolicies() {
			r.remotes[id] = true
		}
	}
	if err := checkTLSContexts(p); err != nil {
		return nil, err
	}
	for _, name := range p.GetServerNames() {
		sp, err := newSNIPattern(name)
		if err != nil {
			return nil, err
		}
		r.snis = append(r.snis, sp)
	}
	if hr := p.GetHttpRules(); hr != nil {
		r.http = []*httpRule{}
		for _, h := range hr.GetHttpRules() {
			compiled, err := newHTTPRule(h)
			if err != nil {
				return nil, err
			}
			r.hasHeaderMatch = r.hasHeaderMatch || len(h.GetHeaderMatches()) > 0
			r.http = append(r.http, compiled)
		}
	}
	return r, nil
}

// checkTLSContexts applies the checks the proxy's TLS context constructors
// make (cilium/secret_watcher.cc DownstreamTLSContext, UpstreamTLSContext,
// setCommonConfig).
func checkTLSContexts(p *cilium.PortNetworkPolicyRule) error {
	d, u := p.GetDownstreamTlsContext(), p.GetUpstreamTlsContext()
	if d != nil && d.GetTlsSdsSecret() == "" && d.GetCertificateChain() == "" {
		return fmt.Errorf("Downstream TLS Context: missing certificate chain")
	}
	if u != nil && u.GetValidationContextSdsSecret() == "" && u.GetTrustedCa() == "" {
		return fmt.Errorf("Upstream TLS Context: missing trusted CA")
	}
	for _, c := range []*cilium.TLSContext{d, u} {
		if c != nil && c.GetTlsSdsSecret() == "" && c.GetCertificateChain() != "" && c.GetPrivateKey() == "" {
			return fmt.Errorf("TLS Context: missing private key")
		}
	}
	if len(u.GetServerNames()) > 1 {
		return fmt.Errorf("Upstream TLS Context: more than one server name")
	}
	return nil
}

// hasHTTPRules is PortNetworkPolicyRule::hasHttpRules: an empty list of
// HTTP rules counts as none.
func (r *Rule) hasHTTPRules() bool { return len(r.http) > 0 }

// verdictFor is PortNetworkPolicyRule::getVerdict(proxy_id, remote_id):
// a rule naming another listener, or other remotes, gives no verdict.
func (r *Rule) verdictFor(proxyID, remote uint32) Verdict {
	if r.proxyID != 0 && proxyID != r.proxyID {
		return VerdictNone
	}
	if r.remotes != nil && !r.remotes[remote] {
		return VerdictNone
	}
	return r.verdict
}

// verdictForSNI is getVerdict(proxy_id, remote_id, sni): with serverNames,
// a missing or unmatched SNI gives no verdict.
func (r *Rule) verdictForSNI(proxyID, remote uint32, sni string) Verdict {
	if len(r.snis) > 0 {
		if sni == "" || !r.matchesSNI(sni) {
			return VerdictNone
		}
	}
	return r.verdictFor(proxyID, remote)
}

func (r *Rule) matchesSNI(sni string) bool {
	for _, p := range r.snis {
		if p.matches(sni) {
			return true
		}
	}
	return false
}

// String names the rule by where it is in the NPDS resource.
func (r *Rule) String() string {
	if r.Proto == nil {
		return "the proxy's default allow rule"
	}
	s := fmt.Sprintf("NPDS egress entry %d rule %d", r.Entry, r.Index)
	if n := r.Proto.GetName(); n != "" {
		s += fmt.Sprintf(" (%s)", n)
	}
	return s
}
