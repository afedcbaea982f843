//go:build since_1_16_6

package main

import (
	"github.com/cilium/cilium/pkg/crypto/certificatemanager"
	"github.com/cilium/cilium/pkg/identity"
	"github.com/cilium/cilium/pkg/policy"
	policyapi "github.com/cilium/cilium/pkg/policy/api"
)

// newPolicyRepository is the agent's policy repository, with the no-op
// policy metrics standing in for the agent's (which only count rules).
func newPolicyRepository(certs certificatemanager.CertificateManager, secrets certificatemanager.SecretManager) *policy.Repository {
	return policy.NewPolicyRepository(identity.ListReservedIdentities(), certs, secrets, policyapi.NewPolicyMetricsNoop())
}
