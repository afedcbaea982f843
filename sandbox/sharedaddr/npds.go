package sharedaddr

import (
	"slices"
	"sort"
	"strings"

	cilium "github.com/cilium/proxy/go/cilium/api"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	matcher "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"

	"github.com/cilium/cilium/pkg/policy/api"
)

// sdsName is the name under which the stand-in's NPDS names a use's
// terminating secret: the secret itself, so the outcome names it.
func sdsName(u *Use) string { return u.Terminating }

// ruleFor is the NPDS rule Cilium writes for an intercept use selecting
// identity id (pkg/envoy GetPortNetworkPolicyRule): the TLS contexts, the
// serverNames and the HTTP rules. The upstream context is left out: it
// does not take part in choosing the certificate served.
func ruleFor(u *Use, id uint32) *cilium.PortNetworkPolicyRule {
	r := &cilium.PortNetworkPolicyRule{RemotePolicies: []uint32{id}, ServerNames: u.ServerNames,
		DownstreamTlsContext: &cilium.TLSContext{TlsSdsSecret: sdsName(u)}}
	if u.HTTP != nil {
		r.L7 = &cilium.PortNetworkPolicyRule_HttpRules{HttpRules: httpRules(u.HTTP)}
	}
	return r
}

// httpRules translates rules.http as Cilium's L7 rules translator does
// (pkg/envoy/policy envoy_l7_rules_translator.go getHTTPRule): path,
// method and host as anchored regex matchers on :path, :method and
// :authority; each "Name: value" header as an exact match and "Name" as a
// presence match; a headerMatch failing on mismatch as an exact or
// presence matcher, others as header matches; matchers sorted by name and
// rules by their matchers (sort.go).
func httpRules(rs []api.PortRuleHTTP) *cilium.HttpNetworkPolicyRules {
	out := &cilium.HttpNetworkPolicyRules{}
	for _, h := range rs {
		r := &cilium.HttpNetworkPolicyRule{}
		for name, re := range map[string]string{":path": h.Path, ":method": h.Method, ":authority": h.Host} {
			if re != "" {
				r.Headers = append(r.Headers, regexMatcher(name, re))
			}
		}
		for _, hdr := range h.Headers {
			name, value, ok := strings.Cut(hdr, " ")
			r.Headers = append(r.Headers, headerMatcher(strings.TrimRight(name, ":"), value, ok))
		}
		for _, m := range h.HeaderMatches {
			if m.Mismatch == "" && m.Secret == nil {
				r.Headers = append(r.Headers, headerMatcher(m.Name, m.Value, m.Value != ""))
				continue
			}
			r.HeaderMatches = append(r.HeaderMatches, &cilium.HeaderMatch{Name: m.Name, Value: m.Value,
				MismatchAction: mismatchAction(m.Mismatch), ValueSdsSecret: secretOf(m)})
		}
		sort.SliceStable(r.Headers, func(i, j int) bool { return r.Headers[i].Name < r.Headers[j].Name })
		out.HttpRules = append(out.HttpRules, r)
	}
	sort.SliceStable(out.HttpRules, func(i, j int) bool { return httpRuleLess(out.HttpRules[i], out.HttpRules[j]) })
	return out
}

func regexMatcher(name, re string) *route.HeaderMatcher {
	return &route.HeaderMatcher{Name: name, HeaderMatchSpecifier: &route.HeaderMatcher_StringMatch{
		StringMatch: &matcher.StringMatcher{MatchPattern: &matcher.StringMatcher_SafeRegex{SafeRegex: &matcher.RegexMatcher{Regex: re}}}}}
}

func headerMatcher(name, value string, exact bool) *route.HeaderMatcher {
	if !exact {
		return &route.HeaderMatcher{Name: name, HeaderMatchSpecifier: &route.HeaderMatcher_PresentMatch{PresentMatch: true}}
	}
	return &route.HeaderMatcher{Name: name, HeaderMatchSpecifier: &route.HeaderMatcher_StringMatch{
		StringMatch: &matcher.StringMatcher{MatchPattern: &matcher.StringMatcher_Exact{Exact: value}}}}
}

func mismatchAction(a api.MismatchAction) cilium.HeaderMatch_MismatchAction {
	switch a {
	case api.MismatchActionLog:
		return cilium.HeaderMatch_CONTINUE_ON_MISMATCH
	case api.MismatchActionAdd:
		return cilium.HeaderMatch_ADD_ON_MISMATCH
	case api.MismatchActionDelete:
		return cilium.HeaderMatch_DELETE_ON_MISMATCH
	case api.MismatchActionReplace:
		return cilium.HeaderMatch_REPLACE_ON_MISMATCH
	}
	return cilium.HeaderMatch_FAIL_ON_MISMATCH
}

func secretOf(m *api.HeaderMatch) string {
	if m.Secret == nil {
		return ""
	}
	return m.Secret.Namespace + "/" + m.Secret.Name
}

// ruleLess is pkg/envoy/policy/sort.go PortNetworkPolicyRuleLess for the
// rules built here (all of precedence 0): rules without HTTP rules first,
// then fewer HTTP rules, then HTTP rules compared in order, then the
// remote policies.
func ruleLess(a, b *cilium.PortNetworkPolicyRule) bool {
	ha, hb := a.GetHttpRules(), b.GetHttpRules()
	if (ha == nil) != (hb == nil) {
		return ha == nil
	}
	ra, rb := ha.GetHttpRules(), hb.GetHttpRules()
	if len(ra) != len(rb) {
		return len(ra) < len(rb)
	}
	for i := range ra {
		if httpRuleLess(ra[i], rb[i]) {
			return true
		}
		if httpRuleLess(rb[i], ra[i]) {
			return false
		}
	}
	return slices.Compare(a.GetRemotePolicies(), b.GetRemotePolicies()) < 0
}

// httpRuleLess is sort.go HTTPNetworkPolicyRuleLess for the matchers built
// here: fewer matchers first, then by name (HeaderMatcherLess compares no
// field of a StringMatch, the form Cilium writes).
func httpRuleLess(a, b *cilium.HttpNetworkPolicyRule) bool {
	if len(a.Headers) != len(b.Headers) {
		return len(a.Headers) < len(b.Headers)
	}
	for i := range a.Headers {
		if a.Headers[i].Name != b.Headers[i].Name {
			return a.Headers[i].Name < b.Headers[i].Name
		}
		if pa, pb := a.Headers[i].GetPresentMatch(), b.Headers[i].GetPresentMatch(); pa != pb {
			return !pa
		}
	}
	return false
}
