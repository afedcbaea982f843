package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/cilium/hive/cell"

	operatorOption "github.com/cilium/cilium/operator/option"
	controllerruntime "github.com/cilium/cilium/operator/pkg/controller-runtime"
	"github.com/cilium/cilium/operator/pkg/networkpolicy"
	"github.com/cilium/cilium/operator/pkg/secretsync"
	ciliumhive "github.com/cilium/cilium/pkg/hive"
	k8sclient "github.com/cilium/cilium/pkg/k8s/client"
	"github.com/cilium/cilium/pkg/option"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun/wire"
)

// operatorHive is the operator's policy secret sync running against the
// API server in Cilium's hive.
type operatorHive struct {
	h   *ciliumhive.Hive
	log *slog.Logger
}

// startOperator starts the operator's cells that sync policy secrets:
// Cilium's Kubernetes client, its controller-runtime manager, the network
// policy secret sync registrations (operator/pkg/networkpolicy
// SecretSyncCell in 1.17) and the secret sync reconciler, configured from
// cfg (enable-policy-secrets-sync, policy-secrets-namespace) as the
// operator is. With the sync off nothing starts, as the registrations then
// register nothing.
func startOperator(ctx context.Context, logger *slog.Logger, cfg ciliumConfig, kubeconfig string) (*operatorHive, wire.Operator, error) {
	ns := cfg.str(flagPolicySecretsNamespace, defaultSecretsNamespace)
	if !cfg.boolean(flagPolicySecretsSync, false) {
		return nil, wire.Operator{Reason: flagPolicySecretsSync + " is false"}, nil
	}
	op := &operatorHive{log: logger}
	op.h = ciliumhive.New(
		k8sclient.Cell,
		controllerruntime.Cell,
		networkpolicy.SecretSyncCell,
		secretsync.Cell,
		// The registrations' parameters include the agent's and the
		// operator's configuration objects, which the operator's main
		// provides from its flags; the policy secret sync reads neither.
		cell.Provide(
			func() *option.DaemonConfig { return option.Config },
			func() *operatorOption.OperatorConfig { return operatorOption.Config },
		),
	)
	if err := cfg.apply(op.h, ciliumConfig{option.K8sKubeConfigPath: kubeconfig}); err != nil {
		return nil, wire.Operator{}, err
	}
	if err := op.h.Start(logger, ctx); err != nil {
		return nil, wire.Operator{}, fmt.Errorf("start the operator's cells: %w", errors.Join(err, op.h.Stop(logger, context.WithoutCancel(ctx))))
	}
	return op, wire.Operator{Enabled: true, SecretsNamespace: ns}, nil
}

// stop stops the operator's cells.
func (op *operatorHive) stop(ctx context.Context) error {
	return op.h.Stop(op.log, ctx)
}
