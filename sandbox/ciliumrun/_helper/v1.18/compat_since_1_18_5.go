//go:build since_1_18_5

package main

import (
	"context"
	"log/slog"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/cilium/cilium/operator/pkg/secretsync"
)

// newSecretSyncReconciler is the operator's reconciler with its cell's
// resync interval and jitter (from 1.18.5).
func newSecretSyncReconciler(c client.Client, logger *slog.Logger, regs []*secretsync.SecretSyncRegistration) interface {
	Reconcile(context.Context, reconcileRequest) (reconcileResult, error)
} {
	return secretsync.NewSecretSyncReconciler(c, logger, regs, resyncInterval, jitterAmount)
}
