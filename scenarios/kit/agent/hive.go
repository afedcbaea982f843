//go:build linux

package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/cilium/hive"
	"github.com/cilium/hive/cell"

	ciliumhive "github.com/cilium/cilium/pkg/hive"
	"github.com/cilium/cilium/pkg/option"
)

// Options are what StartOperator and StartAgent need.
type Options struct {
	// Kubeconfig reaches the API server; it becomes the k8s-kubeconfig-path
	// flag of Cilium's Kubernetes client.
	Kubeconfig string
	// Config is the cilium-config data the cells are configured from.
	Config Config
	// Overrides are set over Config; every key must be a flag some cell
	// registers.
	Overrides Config
	// Logger receives the hive's own log lines; discarded when nil. The
	// cells log through Cilium's process-wide logger, as in Cilium's
	// binaries.
	Logger *slog.Logger
}

// process is one Cilium hive started in-process.
type process struct {
	h   *hive.Hive
	log *slog.Logger
}

// startHive builds Cilium's hive of cells, configures it from o and starts
// it. On error nothing keeps running.
func startHive(ctx context.Context, o Options, cells ...cell.Cell) (*process, error) {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &process{h: ciliumhive.New(cells...), log: log}
	over := Config{option.K8sKubeConfigPath: o.Kubeconfig}.With(o.Overrides)
	if err := o.Config.apply(p.h, over); err != nil {
		return nil, err
	}
	if err := p.h.Start(log, ctx); err != nil {
		return nil, fmt.Errorf("start cilium hive: %w", errors.Join(err, p.h.Stop(log, context.WithoutCancel(ctx))))
	}
	return p, nil
}

// stop stops the hive.
func (p *process) stop(ctx context.Context) error {
	if p == nil {
		return nil
	}
	return p.h.Stop(p.log, ctx)
}
