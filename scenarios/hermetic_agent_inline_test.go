package scenarios

import (
	"context"
	"fmt"
	"maps"
	"os"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun"
	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun/wire"
	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
	"github.com/cilium-tls-intercept/sandbox/sandbox/doctor"
	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
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
	config  corev1.ConfigMap
	clRoles []rbacv1.ClusterRole
}

// inlineAgent starts the inline-mode agent once (the release's own agent
// in a second helper process, alone: with sync off the operator copies
// nothing); it stops when the agent tier's test ends. It returns the agent
// and the namespace of the workload whose view shows the chart's policies.
func (a *agentTier) inlineAgent(ctx context.Context, t *testing.T) (*ciliumCluster, string) {
	t.Helper()
	if !a.config.ReadOnly && !a.config.SDS() {
		return a.c, intercept.WorkloadNamespace // the release's agent is in inline mode already
	}
	a.inlineOnce.Do(func() { a.inlineC, a.inlineErr = a.startInline(ctx) })
	if a.inlineErr != nil {
		t.Fatal(a.inlineErr)
	}
	return a.inlineC, intercept.WorkloadNamespace
}

// inlineHeaderSecret is the header Secret the chart's policies in ns name.
func (a *agentTier) inlineHeaderSecret(string) types.NamespacedName { return a.h.headerSecret() }

func (a *agentTier) startInline(ctx context.Context) (*ciliumCluster, error) {
	ic, err := renderInline(ctx, a.h.cilium)
	if err != nil {
		return nil, err
	}
	over, err := inlineOverrides(a.c.Config, ic.config.Data)
	if err != nil {
		return nil, err
	}
	c, err := ciliumrun.StartCluster(context.WithoutCancel(ctx), a.c.helper, wire.StartRequest{
		Kubeconfig: a.h.cp.KubeconfigPath, Config: over, NoOperator: true}, os.Stderr)
	if err != nil {
		return nil, fmt.Errorf("start the inline-mode agent: %w", err)
	}
	out := &ciliumCluster{Cluster: c, Config: ic.config.Data, helper: a.c.helper, inline: ic}
	if cfg := ciliumtls.ConfigFrom(ic.config.Data); cfg.SDS() || cfg.ReadOnly {
		return out, fmt.Errorf("the agent of Cilium's chart with %v is not in inline mode (%s)", inlineValues(), cfg.Evidence(ic.config.Data))
	}
	for _, st := range c.Started.Settings {
		if st.Key == "policy-secrets-only-from-secrets-namespace" && st.Value != "false" {
			return out, fmt.Errorf("the inline-mode agent read %s=%s: it is not in inline mode", st.Key, st.Value)
		}
	}
	return out, nil
}

// zeroDefaultKeys are cilium-config keys Cilium's chart writes only with
// secret sync on, whose flags default to their zero value
// (pkg/crypto/certificatemanager defaultManagerConfig, operator
// pkg/networkpolicy/secretsync): an empty value reads as that default.
var zeroDefaultKeys = []string{"enable-policy-secrets-sync", "policy-secrets-namespace", "policy-secrets-only-from-secrets-namespace"}

// inlineOverrides are the overrides that make the helper, which reads the
// installed cilium-config and overrides it key by key, run with rendered
// instead: rendered's keys, and an empty value for each key installed
// has and rendered lacks, which must be one of zeroDefaultKeys.
func inlineOverrides(installed, rendered map[string]string) (map[string]string, error) {
	out := maps.Clone(rendered)
	for k := range installed {
		if _, ok := rendered[k]; ok {
			continue
		}
		if !slices.Contains(zeroDefaultKeys, k) {
			return nil, fmt.Errorf("cilium-config key %s is installed but not in the inline render, and its default is not known to be the zero value", k)
		}
		out[k] = ""
	}
	return out, nil
}

// renderInline renders Cilium v's chart with inlineValues and keeps what
// the agent and the doctor read.
func renderInline(ctx context.Context, v versions.Cilium) (*inlineCilium, error) {
	objs, err := hermetic.RenderCilium(ctx, hermetic.CiliumOptions{Version: v, Values: inlineValues()})
	if err != nil {
		return nil, err
	}
	c := &inlineCilium{}
	for _, o := range objs {
		switch {
		case o.GetKind() == "ConfigMap" && o.GetName() == ciliumtls.ConfigMapName:
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
		return nil, fmt.Errorf("Cilium's chart with %v renders no %s", inlineValues(), ciliumtls.ConfigMapName)
	}
	return c, nil
}

// doctorState is what the doctor would read from this cluster had Cilium's
// chart been installed with inlineValues: the gathered state with the
// rendered cilium-config and ClusterRoles in place of the installed ones,
// and no operator copies (no sync). Without a render (the release's agent
// is in inline mode already) it is the gathered state.
func (c *inlineCilium) doctorState(st *doctor.State) *doctor.State {
	if c == nil {
		return st
	}
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
