//go:build since_1_16_18

package main

import (
	"github.com/cilium/cilium/pkg/identity"
	"github.com/cilium/cilium/pkg/policy"
)

// updatePolicy is the endpoint's policy cache update; it takes the
// endpoint's ID from 1.16.18 or 1.16.19 (1.16.18 is not served).
func updatePolicy(cache *policy.PolicyCache, id *identity.Identity, epID uint16) error {
	return cache.UpdatePolicy(id, uint64(epID))
}
