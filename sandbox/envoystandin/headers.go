package envoystandin

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	cilium "github.com/cilium/proxy/go/cilium/api"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	matcher "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
)

// httpRule is HttpNetworkPolicyRule (cilium/network_policy.cc): header
// matchers that must all match, then header matches with their actions.
type httpRule struct {
	headers []headerMatcher
	matches []*cilium.HeaderMatch
}

func newHTTPRule(h *cilium.HttpNetworkPolicyRule) (*httpRule, error) {
	out := &httpRule{matches: h.GetHeaderMatches()}
	for _, m := range h.GetHeaders() {
		hm, err := newHeaderMatcher(m)
		if err != nil {
			return nil, err
		}
		out.headers = append(out.headers, hm)
	}
	return out, nil
}

// allowed is HttpNetworkPolicyRule::allowed: every header matcher matches
// (none: any request).
func (h *httpRule) allowed(q *Request) bool {
	for _, m := range h.headers {
		if !m.match(q) {
			return false
		}
	}
	return true
}

// headerMatcher is Envoy's HeaderData built from a route HeaderMatcher
// (Envoy source/common/http/header_utility.cc, HeaderUtility::matchHeaders).
type headerMatcher struct {
	name           string
	invert         bool
	missingIsEmpty bool
	present        *bool // a present_match, or no specifier (present: true)
	value          func(string) bool
}

func newHeaderMatcher(m *route.HeaderMatcher) (headerMatcher, error) {
	hm := headerMatcher{name: strings.ToLower(m.GetName()), invert: m.GetInvertMatch(),
		missingIsEmpty: m.GetTreatMissingHeaderAsEmpty()}
	var err error
	switch s := m.GetHeaderMatchSpecifier().(type) {
	case *route.HeaderMatcher_ExactMatch:
		hm.value = func(v string) bool { return s.ExactMatch == "" || v == s.ExactMatch }
	case *route.HeaderMatcher_SafeRegexMatch:
		hm.value, err = fullRegex(s.SafeRegexMatch.GetRegex())
	case *route.HeaderMatcher_RangeMatch:
		r := s.RangeMatch
		hm.value = func(v string) bool {
			n, err := strconv.ParseInt(v, 10, 64)
			return err == nil && n >= r.GetStart() && n < r.GetEnd()
		}
	case *route.HeaderMatcher_PresentMatch:
		p := s.PresentMatch
		hm.present = &p
	case *route.HeaderMatcher_PrefixMatch:
		hm.value = func(v string) bool { return strings.HasPrefix(v, s.PrefixMatch) }
	case *route.HeaderMatcher_SuffixMatch:
		hm.value = func(v string) bool { return strings.HasSuffix(v, s.SuffixMatch) }
	case *route.HeaderMatcher_ContainsMatch:
		hm.value = func(v string) bool { return strings.Contains(v, s.ContainsMatch) }
	case *route.HeaderMatcher_StringMatch:
		hm.value, err = stringMatcher(s.StringMatch)
	default: // no specifier: a presence match
		p := true
		hm.present = &p
	}
	if err != nil {
		return headerMatcher{}, fmt.Errorf("header matcher %q: %w", m.GetName(), err)
	}
	return hm, nil
}

// match is HeaderUtility::matchHeaders for one matcher: a missing header
// matches only a present_match of false (true when inverted), unless it is
// to be treated as empty.
func (h headerMatcher) match(q *Request) bool {
	v, ok := q.allOf(h.name)
	if !ok && !h.missingIsEmpty {
		if h.invert {
			return h.present != nil && *h.present
		}
		return h.present != nil && !*h.present
	}
	var m bool
	if h.present != nil {
		m = *h.present
	} else {
		m = h.value(v)
	}
	return m != h.invert
}

// stringMatcher is Envoy's StringMatcherImpl: exact, prefix, suffix and
// contains (case-insensitive with ignore_case), or a safe regex matching
// the whole value.
func stringMatcher(s *matcher.StringMatcher) (func(string) bool, error) {
	fold := func(v string) string { return v }
	if s.GetIgnoreCase() {
		fold = strings.ToLower
	}
	switch p := s.GetMatchPattern().(type) {
	case *matcher.StringMatcher_Exact:
		return func(v string) bool { return fold(v) == fold(p.Exact) }, nil
	case *matcher.StringMatcher_Prefix:
		return func(v string) bool { return strings.HasPrefix(fold(v), fold(p.Prefix)) }, nil
	case *matcher.StringMatcher_Suffix:
		return func(v string) bool { return strings.HasSuffix(fold(v), fold(p.Suffix)) }, nil
	case *matcher.StringMatcher_Contains:
		return func(v string) bool { return strings.Contains(fold(v), fold(p.Contains)) }, nil
	case *matcher.StringMatcher_SafeRegex:
		return fullRegex(p.SafeRegex.GetRegex())
	}
	return nil, fmt.Errorf("string matcher %T is not modelled by the stand-in", s.GetMatchPattern())
}

// fullRegex compiles an RE2 expression matched against the whole value, as
// Envoy's safe regex (Google RE2, FullMatch) is; Go's regexp is RE2 syntax.
func fullRegex(expr string) (func(string) bool, error) {
	re, err := regexp.Compile(`^(?:` + expr + `)$`)
	if err != nil {
		return nil, fmt.Errorf("regex %q: %w", expr, err)
	}
	return re.MatchString, nil
}
