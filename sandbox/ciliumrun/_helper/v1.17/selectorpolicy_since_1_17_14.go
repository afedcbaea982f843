//go:build since_1_17_14

package main

import (
	"github.com/cilium/cilium/pkg/identity"
	"github.com/cilium/cilium/pkg/policy"
)

// selectorPolicy is the endpoint's call on regeneration (pkg/endpoint
// policy.go): the repository's GetSelectorPolicy, forcing calculation. It
// takes the endpoint's ID from a patch between 1.17.9 and 1.17.13, which
// the module proxy does not serve; 1.17.14 is the first served.
func (ids *identities) selectorPolicy(id *identity.Identity, epID uint16) (policy.SelectorPolicy, error) {
	sp, _, err := ids.repo.GetSelectorPolicy(id, 0, &policyStats{}, uint64(epID))
	return sp, err
}
