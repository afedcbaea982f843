package envoystandin

// forEachRule is PortNetworkPolicyRules::forEachRule: the verdict of the
// first rule that gives one, skipping lower precedences once a verdict is
// found, jumping over a tier on a pass, and, unless canShortCircuit, going
// on past an allow (so that every matching rule's header actions run). It
// also returns the rule that gave the verdict (nil for an empty list, which
// allows everything from anyone).
func (l *PortRules) forEachRule(canShortCircuit bool, verdictOf func(*Rule) Verdict) (Verdict, *Rule) {
	verdict, at := VerdictNone, (*Rule)(nil)
	var verdictPrecedence uint32
	if len(l.Rules) == 0 {
		return VerdictAllow, nil // "Empty set matches any payload from anyone"
	}
	for idx := 0; idx < len(l.Rules); {
		r := l.Rules[idx]
		if verdict != VerdictNone && r.precedence < verdictPrecedence {
			break // "lower precedence rules are skipped if there is a verdict"
		}
		v := verdictOf(r)
		if v == VerdictPass {
			if verdict == VerdictNone || verdictPrecedence < r.precedence {
				idx = r.passIndex
				continue
			}
		} else if v != VerdictNone {
			verdict, at, verdictPrecedence = v, r, r.precedence
			if v == VerdictDeny || canShortCircuit {
				return verdict, at
			}
		}
		idx++
	}
	return verdict, at
}

// forEachRulePred is PortNetworkPolicyRules::forEachRulePred, which the
// proxy uses to pick a TLS context: it returns at the first allowing rule
// for which has holds (that rule is the one chosen), at a deny unless a
// higher-precedence allow was seen, and otherwise the highest-precedence
// allow seen, with no rule chosen.
func (l *PortRules) forEachRulePred(verdictOf func(*Rule) Verdict, has func(*Rule) bool) (Verdict, *Rule) {
	verdict := VerdictNone
	var verdictPrecedence uint32
	if len(l.Rules) == 0 {
		return VerdictAllow, nil
	}
	for idx := 0; idx < len(l.Rules); {
		r := l.Rules[idx]
		switch verdictOf(r) {
		case VerdictPass:
			if verdict == VerdictNone || verdictPrecedence < r.precedence {
				idx = r.passIndex
				continue
			}
		case VerdictDeny:
			if verdict != VerdictNone && verdictPrecedence > r.precedence {
				return verdict, nil
			}
			return VerdictDeny, nil
		case VerdictAllow:
			if has(r) {
				return VerdictAllow, r // "Return after the first allow verdict that fulfills the predicate"
			}
			if verdict == VerdictNone {
				verdict, verdictPrecedence = VerdictAllow, r.precedence
			}
		}
		idx++
	}
	return verdict, nil
}
