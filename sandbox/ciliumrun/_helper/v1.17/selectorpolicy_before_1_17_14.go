//go:build !since_1_17_14

package main

import (
	"github.com/cilium/cilium/pkg/identity"
	"github.com/cilium/cilium/pkg/policy"
)

// selectorPolicy is the endpoint's call on regeneration (pkg/endpoint
// policy.go): the repository's GetSelectorPolicy, forcing calculation.
func (ids *identities) selectorPolicy(id *identity.Identity, _ uint16) (policy.SelectorPolicy, error) {
	sp, _, err := ids.repo.GetSelectorPolicy(id, 0, &policyStats{})
	return sp, err
}
