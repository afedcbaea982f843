//go:build !since_1_16_18

package main

import (
	"github.com/cilium/cilium/pkg/identity"
	"github.com/cilium/cilium/pkg/policy"
)

// updatePolicy is the endpoint's policy cache update.
func updatePolicy(cache *policy.PolicyCache, id *identity.Identity, _ uint16) error {
	return cache.UpdatePolicy(id)
}
