package ciliumrun

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun/wire"
)

// Cluster is a helper in cluster mode: the release's operator and agent
// running against a real API server until Close. Its methods may be called
// from several goroutines; the helper answers one request at a time.
type Cluster struct {
	// Started is the helper's answer to the start: what runs, how
	// configured, what stands in.
	Started *wire.Started

	mu sync.Mutex
	s  *Session
}

// StartCluster runs helper h and starts cluster mode with in. The helper
// stops when ctx is done or Close is called.
func StartCluster(ctx context.Context, h *Helper, in wire.StartRequest, logs io.Writer) (*Cluster, error) {
	s, err := Start(ctx, h, logs)
	if err != nil {
		return nil, err
	}
	resp, err := s.Call(wire.Request{Op: wire.OpStart, Start: &in})
	if err == nil && resp.Started == nil {
		err = fmt.Errorf("helper for Cilium %s answered start without saying what runs", h.Release)
	}
	if err != nil {
		if cerr := s.Close(); cerr != nil {
			return nil, fmt.Errorf("%w (and on exit: %v)", err, cerr)
		}
		return nil, err
	}
	return &Cluster{Started: resp.Started, s: s}, nil
}

// Release is the Cilium release whose code runs.
func (c *Cluster) Release() string { return c.s.helper.Release.String() }

func (c *Cluster) call(req wire.Request) (*wire.Response, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.s.Call(req)
}

// View returns the agent's view of a workload once its DNS proxy has seen
// in.DNS (answers accumulate over the session).
func (c *Cluster) View(in wire.ViewRequest) (*wire.ClusterView, error) {
	resp, err := c.call(wire.Request{Op: wire.OpView, View: &in})
	if err != nil {
		return nil, err
	}
	if resp.View == nil {
		return nil, fmt.Errorf("helper for Cilium %s answered view without one", c.Release())
	}
	return resp.View, nil
}

// Secrets lists the SDS secrets the agent serves, with their values when
// keep is set.
func (c *Cluster) Secrets(keep bool) ([]wire.SDSSecret, error) {
	resp, err := c.call(wire.Request{Op: wire.OpSecrets, Secrets: &wire.SecretsRequest{IncludeSecretValues: keep}})
	if err != nil {
		return nil, err
	}
	return resp.Secrets, nil
}

// WaitSecret waits until the SDS secret in.Name is served at a version
// other than in.NotVersion and returns it.
func (c *Cluster) WaitSecret(in wire.WaitSecretRequest) (*wire.SDSSecret, error) {
	resp, err := c.call(wire.Request{Op: wire.OpWaitSecret, WaitSecret: &in})
	if err != nil {
		return nil, err
	}
	if len(resp.Secrets) != 1 {
		return nil, fmt.Errorf("helper for Cilium %s answered waitSecret with %d secrets", c.Release(), len(resp.Secrets))
	}
	return &resp.Secrets[0], nil
}

// Close stops the operator and the agent and waits for the helper to exit.
func (c *Cluster) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.s.Close()
}
