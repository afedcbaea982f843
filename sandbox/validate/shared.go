package validate

import (
	"fmt"

	"github.com/cilium-tls-intercept/sandbox/sandbox/sharedaddr"
)

// sharedAddressProblems runs the shared-address check over every policy's
// toFQDNs uses with opts.Answers; nothing without answers.
func (inv *inventory) sharedAddressProblems(opts Options) ([]Problem, error) {
	if len(opts.Answers) == 0 {
		return nil, nil
	}
	var uses []sharedaddr.Use
	for _, p := range inv.policies {
		uses = append(uses, sharedaddr.UsesOf(p.id, p.namespace, p.rules)...)
	}
	conflicts, err := sharedaddr.Find(uses, opts.Answers)
	if err != nil {
		return nil, fmt.Errorf("shared-address check: %w", err)
	}
	var out []Problem
	for _, c := range conflicts {
		out = append(out, Problem{Object: conflictObject(c), Check: CheckSharedAddress, Message: c.Message(), Fix: c.Fix(opts.Cilium)})
	}
	return out, nil
}

// conflictObject is the policy a conflict is reported on: the own policy
// of the first name served what it does not want, else the first use's.
func conflictObject(c sharedaddr.Conflict) string {
	for _, o := range c.Names {
		if !o.Right && len(o.Own) > 0 {
			return o.Own[0].Policy
		}
	}
	return c.Uses[0].Policy
}
