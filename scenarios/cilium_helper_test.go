package scenarios

// The agent tier's hooks into the suite: the Cilium release's own operator
// and agent code runs in a helper built for that release
// (sandbox/ciliumrun), in cluster mode against the hermetic control plane.
// The scenarios' test binary links no Cilium agent or operator code.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun"
	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun/wire"
	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/hermetic"
)

// ciliumCluster is a Cilium release's operator and agent running in a
// helper in cluster mode against the hermetic control plane.
type ciliumCluster struct {
	*ciliumrun.Cluster
	// Config is the cilium-config Cilium's chart installed, which the
	// operator and the agent were started with.
	Config map[string]string
	// StandIns says what stands in for what, one line each.
	StandIns []string
	// StartTime is how long the start took (the helper built or reused).
	StartTime time.Duration

	helper *ciliumrun.Helper
	// inline is the chart render an inline-mode agent was configured from.
	inline *inlineCilium
}

// Stop stops the operator and the agent.
func (c *ciliumCluster) Stop(context.Context) error {
	if c == nil {
		return nil
	}
	return c.Close()
}

// ensureHelper builds or reuses the helper of release v and makes sure
// v's module (its Helm chart) is in the module cache. Where helpers cannot
// be had (not Linux, no Go toolchain) it returns why, and no error.
func ensureHelper(ctx context.Context, v versions.Cilium) (*ciliumrun.Helper, string, error) {
	b := &ciliumrun.Builder{Progress: os.Stderr}
	h, err := b.Ensure(ctx, v)
	if errors.Is(err, ciliumrun.ErrUnsupportedOS) || errors.Is(err, ciliumrun.ErrNoToolchain) {
		return nil, fmt.Sprintf("the agent tier runs Cilium %s's own code in a helper built for it: %v", v, err), nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("the helper of Cilium %s: %w", v, err)
	}
	if _, err := b.Download(ctx, v); err != nil {
		return nil, "", err
	}
	return h, "", nil
}

// startCilium starts helper h in cluster mode against cp (the release's
// operator and agent, configured from the cilium-config Cilium's chart
// installed) and counts the agent as the agent DaemonSet's pod. Its log
// lines go to the test binary's standard error.
func (s *suiteState) startCilium(ctx context.Context, cp *hermetic.ControlPlane, h *ciliumrun.Helper) error {
	start := time.Now()
	cs, err := kubernetes.NewForConfig(cp.Config)
	if err != nil {
		return err
	}
	cm, err := cs.CoreV1().ConfigMaps(ciliumNamespace).Get(ctx, ciliumtls.ConfigMapName, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("read cilium-config: %w", err)
	}
	c, err := ciliumrun.StartCluster(ctx, h, wire.StartRequest{Kubeconfig: cp.KubeconfigPath}, os.Stderr)
	if err != nil {
		return fmt.Errorf("start Cilium %s's operator and agent (helper %s): %w", h.Release, h.Path, err)
	}
	s.cilium = &ciliumCluster{Cluster: c, Config: cm.Data, StandIns: c.Started.StandIns, helper: h}
	line, err := hermetic.CountAgentPod(ctx, cs, "Cilium "+h.Release.String()+"'s agent in a helper process")
	if err != nil {
		return err
	}
	s.cilium.StandIns = append([]string{line}, s.cilium.StandIns...)
	s.cilium.StartTime = time.Since(start)
	return nil
}

// ciliumNamespace is where Cilium's chart installs cilium-config.
const ciliumNamespace = "kube-system"
