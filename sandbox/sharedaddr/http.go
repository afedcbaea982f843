package sharedaddr

import (
	"fmt"
	"slices"
	"strings"
)

// httpShared says, for each intercepted name whose own HTTP rules restrict
// requests, which other uses of the address also judge them: Envoy's L7
// filter walks every rule of the identity (cilium/proxy network_policy.cc
// PortNetworkPolicyRule::getVerdict with headers, which does not look at
// the SNI), so a rule that allows every request (no rules.http, or an
// empty rule) lets every request through.
func httpShared(c *Conflict) []string {
	var out []string
	for _, o := range c.Names {
		for _, u := range o.Own {
			if !u.Intercepts() || allowsEverything(u) {
				continue
			}
			var permissive []string
			for _, other := range c.Uses {
				if other != u && allowsEverything(other) {
					permissive = append(permissive, other.Policy)
				}
			}
			if len(permissive) > 0 {
				slices.Sort(permissive)
				out = append(out, fmt.Sprintf("requests to %s also pass the HTTP rules of %s, which allow every request: the HTTP rules of %s do not hold",
					o.Name, strings.Join(slices.Compact(permissive), ", "), u.Policy))
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// allowsEverything reports whether the use's rule lets every request of
// the identity through: no HTTP rules, or an empty one.
func allowsEverything(u *Use) bool {
	if len(u.HTTP) == 0 {
		return true
	}
	for _, h := range u.HTTP {
		if h.Path == "" && h.Method == "" && h.Host == "" && len(h.Headers) == 0 && len(h.HeaderMatches) == 0 {
			return true
		}
	}
	return false
}
