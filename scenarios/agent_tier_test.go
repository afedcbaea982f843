//go:build linux

package scenarios

// The agent tier's hooks into the suite. Cilium's agent code (pkg/bpf,
// pkg/maps/policymap) builds on Linux only, so this file, kit/agent and the
// hermetic_agent_* files do too; agent_tier_other_test.go stands in for
// them elsewhere.

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"k8s.io/client-go/kubernetes"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/agent"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/hermetic"
)

// inProcessCilium is Cilium's operator and agent running in-process.
type inProcessCilium = agent.InProcess

// agentTierSkip says why Cilium's operator and agent cannot run in-process
// for release v, or "": they are the Go code of the cilium module in go.mod,
// one release.
func agentTierSkip(v versions.Cilium) string {
	mod, err := agent.ModuleVersion()
	if err != nil {
		return fmt.Sprintf("the agent tier cannot tell which Cilium it links: %v", err)
	}
	if v.String() != mod {
		return fmt.Sprintf("the agent tier runs Cilium %s's own Go code (the module in go.mod), not %s's", mod, v)
	}
	return ""
}

// startCilium starts Cilium's operator and agent against cp, configured
// from the cilium-config Cilium's chart installed there. Their warnings and
// errors go to the test binary's stderr.
func (s *suiteState) startCilium(ctx context.Context, cp *hermetic.ControlPlane) error {
	cs, err := kubernetes.NewForConfig(cp.Config)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	s.cilium, err = agent.StartInProcess(ctx, cp.KubeconfigPath, cs, log)
	if err != nil {
		return fmt.Errorf("start Cilium's operator and agent in-process: %w", err)
	}
	return nil
}
