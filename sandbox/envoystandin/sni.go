package envoystandin

import (
	"fmt"
	"regexp"
	"strings"
)

// validSNIPattern is SniPattern::getValidPatternRE (cilium/network_policy.h).
var validSNIPattern = regexp.MustCompile(`^(([*]{1,2}|[*]?[-a-zA-Z0-9_]+([*][-a-zA-Z0-9_]+)*[*]?)[.])*` +
	`([*]{1,2}|[*]?[-a-zA-Z0-9_]+([*][-a-zA-Z0-9_]+)*[*]?)$`)

// sniPattern is SniPattern (cilium/network_policy.h and .cc): an exact,
// case-insensitive name, or a pattern where "*" matches DNS characters
// within a label and "**" one or more whole labels; "*" alone matches any
// name. The empty pattern (allowed only for tests) matches nothing.
type sniPattern struct {
	name string
	re   *regexp.Regexp
}

// newSNIPattern is SniPattern's constructor; an invalid pattern makes the
// proxy reject the NPDS update.
func newSNIPattern(p string) (sniPattern, error) {
	if p != "" && !validSNIPattern.MatchString(p) {
		return sniPattern{}, fmt.Errorf("SniPattern: Unsupported match pattern %s", p)
	}
	if !strings.Contains(p, "*") {
		return sniPattern{name: strings.ToLower(p)}, nil
	}
	expr := "[-a-z0-9_]+([.][-a-z0-9_]+)*"
	if p != "*" {
		expr = strings.NewReplacer(
			".", "[.]",
			"**", "[-a-z0-9_]+([.][-a-z0-9_]+){0,}",
			"*", "[-a-z0-9_]{0,}",
		).Replace(strings.ToLower(p))
	}
	re, err := regexp.Compile("^(?:" + expr + ")$")
	if err != nil {
		return sniPattern{}, fmt.Errorf("SniPattern: Failed to create pattern for SNI %s - %w", p, err)
	}
	return sniPattern{re: re}, nil
}

// matches is SniPattern::matches: the SNI is lower-cased first.
func (s sniPattern) matches(sni string) bool {
	lower := strings.ToLower(sni)
	if s.name != "" {
		return s.name == lower
	}
	return s.re != nil && s.re.MatchString(lower)
}
