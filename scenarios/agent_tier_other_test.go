//go:build !linux

package scenarios

// Off Linux the agent tier does not build: Cilium's agent code (pkg/bpf,
// pkg/maps/policymap) is Linux-only. The hermetic control plane still runs
// the chart, cert-manager and trust-manager; the agent tier's tests skip,
// saying so.

import (
	"context"
	"errors"
	"runtime"
	"testing"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/hermetic"
)

// agentTierOS says why the agent tier does not run on this OS.
const agentTierOS = "the agent tier (Cilium's operator and agent in-process) builds on Linux only: Cilium's pkg/bpf and pkg/maps/policymap are Linux-only; run it on Linux, or in a Linux container"

// inProcessCilium stands in for agent.InProcess where it cannot build; it is
// never started.
type inProcessCilium struct {
	// Config is the agent's configuration, as agent.InProcess has it.
	Config map[string]string
}

// Stop does nothing: an inProcessCilium is never started.
func (*inProcessCilium) Stop(context.Context) error { return nil }

// agentTierSkip says why the agent tier does not run here.
func agentTierSkip(versions.Cilium) string { return agentTierOS + " (this is " + runtime.GOOS + ")" }

// startCilium is never called off Linux: agentTierSkip is never "".
func (s *suiteState) startCilium(context.Context, *hermetic.ControlPlane) error {
	return errors.New(agentTierOS)
}

// TestHermeticAgent skips off Linux, naming why.
func TestHermeticAgent(t *testing.T) {
	t.Skip(agentTierSkip(versions.Cilium{}))
}
