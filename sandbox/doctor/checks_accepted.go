package doctor

import (
	"fmt"
	"sort"
	"strings"

	ciliumv2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	corev1 "k8s.io/api/core/v1"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// policyConditions returns the status conditions of the policies in scope,
// keyed by the policy's evidence name.
func (e *env) policyConditions() map[string][]ciliumv2.NetworkPolicyCondition {
	out := map[string][]ciliumv2.NetworkPolicyCondition{}
	for _, p := range e.st.Policies {
		if p.Namespace == e.scope.WorkloadNamespace {
			out[ref(string(KindPolicy), p.Namespace, p.Name)] = p.Status.Conditions
		}
	}
	for _, p := range e.st.ClusterPolicies {
		out[ref(string(KindClusterPolicy), "", p.Name)] = p.Status.Conditions
	}
	return out
}

// checkPoliciesAccepted looks for policies Cilium marked invalid and for
// names the running release does not match the way the policy means them.
// The Valid condition is written by Cilium's operator
// (operator/pkg/networkpolicy, on unless validate-network-policy=false): a
// policy without one has not been judged, so the check passes only when
// every policy in scope carries Valid=True, and otherwise says what is
// missing instead of calling the policies accepted.
func checkPoliciesAccepted(e *env) Finding {
	var p problems
	conds := e.policyConditions()
	names := make([]string, 0, len(conds))
	for n := range conds {
		names = append(names, n)
	}
	sort.Strings(names)
	var valid, unjudged []string
	for _, name := range names {
		c := validCondition(conds[name])
		switch {
		case c == nil:
			unjudged = append(unjudged, name+": no Valid condition in its status")
		case c.Status == corev1.ConditionFalse:
			p.add("fix what the message names and apply the policy again; until then Cilium enforces none of it",
				"Cilium rejected %s: %s", name, c.Message)
		default:
			valid = append(valid, fmt.Sprintf("%s: Valid=%s %q", name, c.Status, c.Message))
		}
	}
	if e.version != nil {
		for _, tp := range e.ports() {
			nameSupport(e.version, tp, &p)
		}
	}
	if len(p.list) == 0 && len(unjudged) > 0 {
		return unread(fmt.Sprintf("%d of %d policies carry no Valid condition: Cilium's operator, which validates policies and writes it, has not judged them (is Cilium running?)",
			len(unjudged), len(names)), unjudged...)
	}
	return p.finding("Cilium accepted the policies and matches their names as written", valid...)
}

// validCondition returns the Valid condition of a policy's status, or nil.
func validCondition(conds []ciliumv2.NetworkPolicyCondition) *ciliumv2.NetworkPolicyCondition {
	for i := range conds {
		if conds[i].Type == ciliumv2.PolicyConditionValid {
			return &conds[i]
		}
	}
	return nil
}

// nameSupport adds a problem for each serverName or pattern the release v
// does not match the way it is written.
func nameSupport(v *versions.Cilium, tp tlsPort, p *problems) {
	support := v.ServerNameWildcards()
	for _, sn := range tp.Port.ServerNames {
		s := string(sn)
		if !strings.Contains(s, "*") {
			continue
		}
		prefixOnly := strings.HasPrefix(s, "*.") && !strings.Contains(s[2:], "*") ||
			strings.HasPrefix(s, "**.") && !strings.Contains(s[3:], "*")
		switch {
		case support == versions.ServerNameWildcardsNone:
			p.add("list the exact names in serverNames, or run Cilium 1.18 or later",
				"%s: Cilium %s matches serverNames exactly, so %q matches no TLS SNI and the connections are dropped", tp.Policy, v, s)
		case support == versions.ServerNameWildcardsPrefix && !prefixOnly:
			p.add("use only a leading \"*.\" or \"**.\" in serverNames, or run Cilium 1.20",
				"%s: Cilium %s accepts a wildcard only as a leading \"*.\" or \"**.\" in serverNames, not %q", tp.Policy, v, s)
		}
	}
	if v.DoubleStarPatterns() {
		return
	}
	for _, f := range tp.Egress.ToFQDNs {
		if strings.Contains(f.MatchPattern, "**") {
			p.add("list each depth with \"*.\" patterns, or run Cilium 1.19 or later",
				"%s: Cilium %s has no \"**.\" patterns (1.19+): %q matches one label only", tp.Policy, v, f.MatchPattern)
		}
	}
}
