package main

import (
	"context"
	"log/slog"

	corev1 "k8s.io/api/core/v1"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun/wire"
)

// operatorRun is the operator's part: Cilium 1.16's operator copies no
// policy secrets (operator/pkg/secretsync serves Gateway API and Ingress
// only, from 1.17 it registers policies too), so the agent reads every
// secret where the policy names it.
type operatorRun struct {
	result  wire.Operator
	secrets []*corev1.Secret
}

func runOperator(_ context.Context, _ *slog.Logger, _ ciliumConfig, m *manifests) (*operatorRun, error) {
	return &operatorRun{secrets: m.secrets, result: wire.Operator{Reason: noPolicySecretSync}}, nil
}

// operatorSettings are the operator's settings as read: none for 1.16.
func operatorSettings(ciliumConfig) []wire.Setting { return nil }
