package main

// The pieces of Cilium 1.17's API the glue calls where 1.18 on differ.

import (
	"context"
	"log/slog"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/cilium/cilium/operator/pkg/networkpolicy"
	"github.com/cilium/cilium/operator/pkg/secretsync"
	ciliumv2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
)

// policyRegistrations are the operator's CiliumNetworkPolicy and
// CiliumClusterwideNetworkPolicy registrations (operator/pkg/networkpolicy
// registerCNPSecretSync, registerCCNPSecretSync, unexported), from their
// exported pieces.
func policyRegistrations(c client.Client, logger *slog.Logger, ns string) []*secretsync.SecretSyncRegistration {
	return []*secretsync.SecretSyncRegistration{
		{RefObject: &ciliumv2.CiliumNetworkPolicy{}, RefObjectEnqueueFunc: networkpolicy.EnqueueTLSSecrets(c, logger),
			RefObjectCheckFunc: networkpolicy.IsReferencedByCiliumNetworkPolicy, SecretsNamespace: ns},
		{RefObject: &ciliumv2.CiliumClusterwideNetworkPolicy{}, RefObjectEnqueueFunc: networkpolicy.EnqueueTLSSecrets(c, logger),
			RefObjectCheckFunc: networkpolicy.IsReferencedByCiliumClusterwideNetworkPolicy, SecretsNamespace: ns},
	}
}

// newSecretSyncReconciler is the operator's reconciler: 1.17's takes no
// resync interval, so it never requeues a synced secret.
func newSecretSyncReconciler(c client.Client, logger *slog.Logger, regs []*secretsync.SecretSyncRegistration) interface {
	Reconcile(context.Context, reconcileRequest) (reconcileResult, error)
} {
	return secretsync.NewSecretSyncReconciler(c, logger, regs)
}
