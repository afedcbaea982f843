//go:build !since_1_16_6

package main

import (
	"github.com/cilium/cilium/pkg/crypto/certificatemanager"
	"github.com/cilium/cilium/pkg/identity"
	"github.com/cilium/cilium/pkg/policy"
)

// newPolicyRepository is the agent's policy repository (no policy metrics
// before 1.16.6).
func newPolicyRepository(certs certificatemanager.CertificateManager, secrets certificatemanager.SecretManager) *policy.Repository {
	return policy.NewPolicyRepository(identity.ListReservedIdentities(), certs, secrets)
}
