package ciliumtls

import (
	"fmt"
	"strings"

	"github.com/cilium/cilium/pkg/policy/api"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// PolicyBug is a place in a policy's rules that meets a known bug of the
// release (a row of the table in sandbox/versions).
type PolicyBug struct {
	Bug versions.KnownBug
	// Where is the rule and port, "egress[1].toPorts[0]".
	Where string
	// What says what there meets the bug.
	What string
}

// Message is the warning lint and the doctor print for b on release v:
// where, what, the bug's ID, reference and title, and the release that
// fixes it.
func (b PolicyBug) Message(v versions.Cilium) string {
	return fmt.Sprintf("%s: %s on Cilium %s meets known bug %s: %s (%s)", b.Where, b.What, v, b.Bug.Label(), b.Bug.Title, b.Bug.FixedText(v))
}

// policyBugCheck finds the places of one rule that meet one known bug.
type policyBugCheck struct {
	id   string
	find func(r *api.Rule) []PolicyBug
}

// policyBugChecks are the known bugs a policy's rules alone can meet, each
// as Cilium's code has it (the row's "where").
func policyBugChecks() []policyBugCheck {
	return []policyBugCheck{
		{versions.SNIPatternIdentities, patternServerNames},
		{versions.SNIWrapperRegression, firstTLSPort},
	}
}

// PolicyKnownBugs returns the places in rules that meet a known bug of
// release v, at most one per rule and bug.
func PolicyKnownBugs(v versions.Cilium, rules api.Rules) []PolicyBug {
	var out []PolicyBug
	for _, c := range policyBugChecks() {
		row := versions.KnownBugByID(c.id)
		if !row.Affects(v) {
			continue
		}
		for _, r := range rules {
			for _, b := range c.find(r) {
				b.Bug = row
				out = append(out, b)
			}
		}
	}
	return out
}

// patternServerNames finds egress rules that select with a toFQDNs
// matchPattern and require serverNames on a port: Envoy's policy for them
// is not updated when the pattern selects a new identity (row K3,
// pkg/endpoint/bpf.go applyPolicyMapChangesLocked).
func patternServerNames(r *api.Rule) []PolicyBug {
	var out []PolicyBug
	for i, eg := range r.Egress {
		var patterns []string
		for _, sel := range eg.ToFQDNs {
			if sel.MatchPattern != "" {
				patterns = append(patterns, fmt.Sprintf("%q", sel.MatchPattern))
			}
		}
		if len(patterns) == 0 {
			continue
		}
		for j, pr := range eg.ToPorts {
			if len(pr.ServerNames) == 0 {
				continue
			}
			names := make([]string, len(pr.ServerNames))
			for k, n := range pr.ServerNames {
				names[k] = fmt.Sprintf("%q", string(n))
			}
			out = append(out, PolicyBug{Where: fmt.Sprintf("egress[%d].toPorts[%d]", i, j),
				What: fmt.Sprintf("serverNames [%s] with toFQDNs matchPattern %s", strings.Join(names, ", "), strings.Join(patterns, ", "))})
			break
		}
	}
	return out
}

// firstTLSPort finds the first egress port whose traffic Envoy handles as
// TLS (SendsToEnvoy): with row K2 Envoy picks a TLS context without the
// SNI and drops the raw-socket fallback.
func firstTLSPort(r *api.Rule) []PolicyBug {
	for i, eg := range r.Egress {
		for j := range eg.ToPorts {
			if SendsToEnvoy(&eg.ToPorts[j]) {
				return []PolicyBug{{Where: fmt.Sprintf("egress[%d].toPorts[%d]", i, j),
					What: "TLS contexts or serverNames (Envoy picks the TLS context by SNI)"}}
			}
		}
	}
	return nil
}
