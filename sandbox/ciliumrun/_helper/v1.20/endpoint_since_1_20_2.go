//go:build since_1_20_2

package main

import "github.com/cilium/cilium/pkg/policy"

// PreviousMapStateSizes returns zero sizes: there is no earlier policy.
func (e *standInEndpoint) PreviousMapStateSizes() policy.MapStateSizes {
	return policy.MapStateSizes{}
}
