//go:build linux

package agent

import (
	"context"
	"fmt"

	"github.com/cilium/hive/cell"

	operatorOption "github.com/cilium/cilium/operator/option"
	controllerruntime "github.com/cilium/cilium/operator/pkg/controller-runtime"
	npsecretsync "github.com/cilium/cilium/operator/pkg/networkpolicy/secretsync"
	"github.com/cilium/cilium/operator/pkg/secretsync"
	k8sclient "github.com/cilium/cilium/pkg/k8s/client"
	"github.com/cilium/cilium/pkg/option"
)

// Operator is Cilium's operator secret sync, running in-process: it copies
// every secret a CiliumNetworkPolicy's or CiliumClusterwideNetworkPolicy's
// TLS context names into the policy secrets namespace, under Cilium's own
// names and labels, and keeps the copies current.
type Operator struct{ p *process }

// StartOperator starts the operator's cells that make the copies: Cilium's
// Kubernetes client, its controller-runtime manager, the network policy
// registrations and the secret sync reconciler, configured from
// o.Config (enable-policy-secrets-sync, policy-secrets-namespace). The
// controller-runtime manager's controller names are process-wide, so one
// Operator runs per process.
func StartOperator(ctx context.Context, o Options) (*Operator, error) {
	p, err := startHive(ctx, o,
		k8sclient.Cell,
		controllerruntime.Cell,
		npsecretsync.Cell,
		secretsync.Cell,
		// The registrations' parameters include the agent's and the
		// operator's configuration objects, which the operator's main
		// provides from its flags; the policy secret sync reads neither.
		cell.Provide(
			func() *option.DaemonConfig { return option.Config },
			func() *operatorOption.OperatorConfig { return operatorOption.Config },
		),
	)
	if err != nil {
		return nil, fmt.Errorf("cilium operator: %w", err)
	}
	return &Operator{p: p}, nil
}

// Stop stops the operator.
func (op *Operator) Stop(ctx context.Context) error {
	if op == nil {
		return nil
	}
	return op.p.stop(ctx)
}
