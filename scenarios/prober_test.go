package scenarios

import (
	"context"
	"testing"

	"github.com/cilium-tls-intercept/sandbox/sandbox/podexec"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/probe"
)

// prober makes a scenario's request from a pod and classifies what
// answered with probe.Classify, whichever provider runs the scenarios.
type prober interface {
	Probe(ctx context.Context, req probe.Request) (probe.Result, error)
}

// prober returns the provider's probe of target's pod: curl run in the pod
// on a cluster, the agent provider's Go client (scenarios/kit/agentprobe)
// otherwise. It fails t when the agent provider's world cannot be had.
func (s *suiteState) prober(ctx context.Context, t *testing.T, target podexec.Target) prober {
	t.Helper()
	if s.opts.provider != providerAgent {
		return &probe.Prober{Exec: s.exec, Target: target, SandboxCA: s.sandboxCA}
	}
	p, err := s.agentProber(ctx, target, s.agent.answers)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
