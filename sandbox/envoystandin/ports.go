package envoystandin

import (
	"cmp"
	"fmt"
	"slices"

	cilium "github.com/cilium/proxy/go/cilium/api"
	envoycore "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
)

// PortRules is the ordered list of rules the proxy walks for one egress
// port (network_policy.cc, class PortNetworkPolicyRules).
type PortRules struct {
	// Port is the port looked up.
	Port uint16
	// Rules are in the order the proxy walks them.
	Rules []*Rule

	initialized     bool
	canShortCircuit bool
	hasPass         bool
}

// prepend is PortNetworkPolicyRules::prepend: each rule goes to the front,
// so one entry's rules end up reversed; merging an empty set with a
// non-empty one adds a default allow rule to keep "empty allows all".
func (l *PortRules) prepend(rules []*Rule) {
	if l.initialized && (len(rules) == 0) != (len(l.Rules) == 0) {
		l.Rules = slices.Insert(l.Rules, 0, defaultAllowRule())
	}
	for _, r := range rules {
		l.Rules = slices.Insert(l.Rules, 0, r)
		l.updateFor(r)
	}
	l.initialized = true
}

// appendRules is PortNetworkPolicyRules::append and appendRules: the rules
// go to the back, with the same default allow rule for mixed emptiness.
func (l *PortRules) appendRules(rules []*Rule) {
	if l.initialized && (len(rules) == 0) != (len(l.Rules) == 0) {
		l.Rules = append(l.Rules, defaultAllowRule())
	}
	for _, r := range rules {
		l.Rules = append(l.Rules, r)
		l.updateFor(r)
	}
	l.initialized = true
}

// updateFor is PortNetworkPolicyRules::updateFor.
func (l *PortRules) updateFor(r *Rule) {
	if r.hasHeaderMatch {
		l.canShortCircuit = false
	}
	if r.passPrecedence != 0 {
		l.hasPass = true
	}
}

// sortRules is PortNetworkPolicyRules::sort: a stable sort by descending
// precedence, then deny before allow before pass.
func (l *PortRules) sortRules() {
	slices.SortStableFunc(l.Rules, func(a, b *Rule) int {
		if c := cmp.Compare(b.precedence, a.precedence); c != 0 {
			return c
		}
		return cmp.Compare(b.verdict, a.verdict)
	})
}

// prepareRuntimePasses is PortNetworkPolicyRules::prepareRuntimePasses:
// each pass rule learns where evaluation continues.
func (l *PortRules) prepareRuntimePasses() error {
	if !l.hasPass {
		return nil
	}
	var passPrecedence uint32
	for idx, r := range l.Rules {
		if r.passPrecedence == 0 {
			continue
		}
		clone := *r // the continuation is specific to this list
		l.Rules[idx] = &clone
		if passPrecedence != 0 && clone.precedence < passPrecedence {
			passPrecedence = 0
		}
		if passPrecedence != 0 && clone.passPrecedence != passPrecedence {
			return fmt.Errorf("PortNetworkPolicy: Inconsistent pass precedence %d != %d", clone.passPrecedence, passPrecedence)
		}
		passPrecedence = clone.passPrecedence
		next := idx + 1
		for next < len(l.Rules) && l.Rules[next].precedence >= passPrecedence {
			next++
		}
		clone.passIndex = next
	}
	return nil
}

// hasOnlyPassRules is PortNetworkPolicyRules::hasOnlyPassRules.
func (l *PortRules) hasOnlyPassRules() bool {
	if len(l.Rules) == 0 {
		return false
	}
	for _, r := range l.Rules {
		if r.passIndex == 0 {
			return false
		}
	}
	return true
}

// hasHTTPRules is PortNetworkPolicyRules::hasHttpRules.
func (l *PortRules) hasHTTPRules() bool {
	return slices.ContainsFunc(l.Rules, (*Rule).hasHTTPRules)
}

// egressPortRules builds the rule list the proxy finds for port from the
// egress entries of np, as PortNetworkPolicy's constructor builds its map
// of port ranges and findPortRules looks one up: entries covering the port
// exactly (port == end port) are prepended, ranges appended, in NPDS order;
// the wildcard port's rules are appended to every other range; each list is
// sorted; pass-only lists are dropped. The port's own list is used when an
// entry covers it, else the wildcard port's; nil when neither exists (the
// proxy then denies). An error is an NPDS resource the proxy rejects.
func egressPortRules(np *cilium.NetworkPolicy, port uint16) (*PortRules, error) {
	exact := &PortRules{Port: port, canShortCircuit: true}
	wildcard := &PortRules{Port: 0, canShortCircuit: true}
	for i, e := range np.GetEgressPerPortPolicies() {
		if e.GetProtocol() != envoycore.SocketAddress_TCP { // "Only TCP supported for HTTP"
			continue
		}
		first, last, err := portRange(e)
		if err != nil {
			return nil, err
		}
		rules, err := entryRules(e, i)
		if err != nil {
			return nil, err
		}
		for _, l := range []*PortRules{exact, wildcard} {
			if l.Port < first || l.Port > last {
				continue
			}
			if first == last {
				l.prepend(rules) // "Exact port rules go to the front of the list"
			} else {
				l.appendRules(rules) // "Rules with a non-trivial range go to the back"
			}
		}
	}
	if exact.initialized && wildcard.initialized && port != 0 {
		exact.appendRules(wildcard.Rules) // "Apply wildcard port rules to all ranges"
	}
	for _, l := range []*PortRules{exact, wildcard} {
		l.sortRules()
		if err := l.prepareRuntimePasses(); err != nil {
			return nil, err
		}
	}
	for _, l := range []*PortRules{exact, wildcard} {
		if l.initialized && !l.hasOnlyPassRules() {
			return l, nil
		}
	}
	return nil, nil
}

// portRange is the range an entry covers, checked as the proxy checks it.
func portRange(e *cilium.PortNetworkPolicy) (uint16, uint16, error) {
	first, last := uint16(e.GetPort()), uint16(e.GetEndPort())
	if last < first {
		if last != 0 {
			return 0, 0, fmt.Errorf("PortNetworkPolicy: Invalid port range, end port is less than start port %d-%d", first, last)
		}
		last = first
	}
	if first == 0 && last > 0 {
		return 0, 0, fmt.Errorf("PortNetworkPolicy: Invalid port range including the wildcard zero port %d-%d", first, last)
	}
	return first, last, nil
}

// entryRules builds the rules of one NPDS entry, in NPDS order.
func entryRules(e *cilium.PortNetworkPolicy, entry int) ([]*Rule, error) {
	var out []*Rule
	for j, p := range e.GetRules() {
		r, err := newRule(p, entry, j)
		if err != nil {
			return nil, fmt.Errorf("NPDS egress entry %d (port %d) rule %d: %w", entry, e.GetPort(), j, err)
		}
		out = append(out, r)
	}
	return out, nil
}
