//go:build linux

package scenarios

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/cilium-tls-intercept/sandbox/sandbox/doctor"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/agent"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/hermetic"
)

// inlineValues are Cilium's chart values of inline mode: the agent reads
// policy secrets itself, from any namespace, and puts them into NPDS.
func inlineValues() map[string]any {
	return map[string]any{"tls": map[string]any{
		"readSecretsOnlyFromSecretsNamespace": false,
		"secretSync":                          map[string]any{"enabled": false},
	}}
}

// inlineCilium is a second agent, configured from cilium-config as Cilium's
// chart renders it with inlineValues, and the chart's objects the doctor
// reads (cilium-config, the agent's ClusterRole).
type inlineCilium struct {
	agent   *agent.Agent
	config  corev1.ConfigMap
	clRoles []rbacv1.ClusterRole
}

// inline starts the inline-mode agent once; it stops when t's test ends.
func (a *agentTier) inline(ctx context.Context, t *testing.T) *inlineCilium {
	t.Helper()
	a.inlineOnce.Do(func() { a.inlineC, a.inlineErr = a.startInline(ctx) })
	if a.inlineErr != nil {
		t.Fatal(a.inlineErr)
	}
	return a.inlineC
}

func (a *agentTier) startInline(ctx context.Context) (*inlineCilium, error) {
	objs, err := hermetic.RenderCilium(ctx, hermetic.CiliumOptions{Version: a.h.cilium, Values: inlineValues()})
	if err != nil {
		return nil, err
	}
	c := &inlineCilium{}
	for _, o := range objs {
		switch {
		case o.GetKind() == "ConfigMap" && o.GetName() == agent.ConfigMapName:
			err = fromUnstructured(o, &c.config)
		case o.GetKind() == "ClusterRole":
			var cr rbacv1.ClusterRole
			err = fromUnstructured(o, &cr)
			c.clRoles = append(c.clRoles, cr)
		}
		if err != nil {
			return nil, err
		}
	}
	if c.config.Data == nil {
		return nil, fmt.Errorf("Cilium's chart with %v renders no %s", inlineValues(), agent.ConfigMapName)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	c.agent, err = agent.StartAgent(ctx, agent.Options{Kubeconfig: a.h.cp.KubeconfigPath, Config: agent.ConfigFromObject(&c.config), Logger: log})
	if err != nil {
		return nil, err
	}
	if c.agent.Secrets.PolicySecretSyncEnabled() || c.agent.Secrets.SecretsOnlyFromSecretsNamespace() {
		return c, fmt.Errorf("the agent of Cilium's chart with %v is not in inline mode", inlineValues())
	}
	return c, nil
}

// stop stops the inline agent, if it started.
func (c *inlineCilium) stop(ctx context.Context) error {
	if c == nil {
		return nil
	}
	return c.agent.Stop(ctx)
}

// doctorState is what the doctor would read from this cluster had Cilium's
// chart been installed with inlineValues: the gathered state with the
// rendered cilium-config and ClusterRoles in place of the installed ones,
// and no operator copies (no sync).
func (c *inlineCilium) doctorState(st *doctor.State) *doctor.State {
	for i, cm := range st.ConfigMaps {
		if cm.Namespace == c.config.Namespace && cm.Name == c.config.Name {
			st.ConfigMaps[i].Data = c.config.Data
		}
	}
	for _, cr := range c.clRoles {
		i := slices.IndexFunc(st.ClusterRoles, func(x rbacv1.ClusterRole) bool { return x.Name == cr.Name })
		if i >= 0 {
			st.ClusterRoles[i] = cr
		}
	}
	st.SyncedSecrets = nil
	return st
}

func fromUnstructured(o *unstructured.Unstructured, into any) error {
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, into); err != nil {
		return fmt.Errorf("%s %s: %w", o.GetKind(), o.GetName(), err)
	}
	return nil
}
