package sharedaddr

import (
	"fmt"
	"slices"
	"strings"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// Message says what happens at the shared address: the names, what each
// wants, and what Envoy serves each.
func (c *Conflict) Message() string {
	var names, served []string
	for _, o := range c.Names {
		names = append(names, o.Name+" ("+wantText(o.Own)+")")
		mark := ""
		switch {
		case o.Wrong == len(o.Served):
			mark = " [wrong]"
		case o.Wrong > 0:
			mark = " [wrong in some of these orders]"
		}
		served = append(served, fmt.Sprintf("%s: %s%s", o.Name, strings.Join(o.Served, ", or "), mark))
	}
	var addrs []string
	for _, a := range c.Addrs {
		addrs = append(addrs, a.String())
	}
	verb := "is the address"
	if len(addrs) > 1 {
		verb = "are addresses"
	}
	msg := fmt.Sprintf("%s %s of %s: Cilium gives an address one identity, which every policy selecting any of these names selects, so Envoy chooses among all their rules on port %d. Envoy: %s",
		strings.Join(addrs, ", "), verb, strings.Join(names, ", "), c.Port, strings.Join(served, "; "))
	if !c.Ordered {
		msg += " (Cilium orders rules that differ only in the identities they select by those identities, which the policies do not show: every candidate is listed)"
	}
	if len(c.HTTPShared) > 0 {
		msg += ". " + strings.Join(c.HTTPShared, "; ")
	}
	return msg
}

func wantText(own []*Use) string {
	if len(own) == 0 {
		return "no policy allows it"
	}
	var s []string
	for _, u := range own {
		if u.Intercepts() {
			s = append(s, "intercepted with "+u.Terminating+" by "+u.Policy)
		} else {
			s = append(s, "passed through by "+u.Policy)
		}
	}
	return strings.Join(s, ", ")
}

// Fix says what works on release v: serverNames per group where Envoy
// enforces them and no name is passed through, else one group, or leaving
// the shared name out.
func (c *Conflict) Fix(v versions.Cilium) string {
	var passed, unallowed, intercepted []string
	secrets := map[string]bool{}
	for _, o := range c.Names {
		switch w := want(o.Own); {
		case w == "-":
			unallowed = append(unallowed, o.Name)
		case slices.ContainsFunc(o.Own, func(u *Use) bool { return !u.Intercepts() }):
			passed = append(passed, o.Name)
		default:
			intercepted = append(intercepted, o.Name)
		}
	}
	for _, u := range c.Uses {
		if u.Intercepts() {
			secrets[u.Terminating] = true
		}
	}
	var fixes []string
	if len(passed) > 0 || len(unallowed) > 0 {
		fixes = append(fixes, fmt.Sprintf("serverNames cannot help %s: with no TLS context for it Envoy's HTTP listener gets raw TLS. Intercept it too (add it to the group and its certificate), or leave %s out of the intercepted domains so the address is not redirected",
			strings.Join(append(passed, unallowed...), ", "), strings.Join(intercepted, ", ")))
	} else if len(secrets) > 1 {
		fixes = append(fixes, serverNamesFix(v))
	}
	fixes = append(fixes, fmt.Sprintf("or put %s in one group, so one certificate (with a SAN for each) and one set of HTTP rules serve the address", strings.Join(intercepted, ", ")))
	if len(c.HTTPShared) > 0 {
		fixes = append(fixes, "HTTP rules follow the address, not the name: every group and pass-through on it needs the same HTTP rules, or the names must resolve to different addresses")
	}
	return strings.Join(fixes, "; ")
}

func serverNamesFix(v versions.Cilium) string {
	if !v.ServerNamesEnforced() {
		return fmt.Sprintf("give each group serverNames naming its own domains, but not on Cilium %s: its Envoy does not pick the TLS context by SNI (cilium/proxy#890, fixed in 1.16.4); upgrade first", v)
	}
	switch v.ServerNameWildcards() {
	case versions.ServerNameWildcardsNone:
		return fmt.Sprintf("give each group serverNames listing its exact names (Cilium %s matches serverNames exactly; wildcards from 1.18.0), so Envoy picks each group's certificate by SNI", v)
	case versions.ServerNameWildcardsPrefix:
		return fmt.Sprintf("give each group serverNames naming its own domains (Cilium %s accepts a leading *. or **.), so Envoy picks each group's certificate by SNI", v)
	}
	return fmt.Sprintf("give each group serverNames naming its own domains (Cilium %s accepts * anywhere), so Envoy picks each group's certificate by SNI", v)
}
