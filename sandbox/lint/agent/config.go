package agent

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"helm.sh/helm/v3/pkg/chart/loader"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/cilium-tls-intercept/sandbox/sandbox/cilium"
	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
	"github.com/cilium-tls-intercept/sandbox/sandbox/release"
	"github.com/cilium-tls-intercept/sandbox/sandbox/validate"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// chartClusterName is the cluster the chart's values are rendered for: the
// sandbox's kind cluster (it sets only where the agent reaches the API
// server, which nothing here reads).
const chartClusterName = "cilium-tls-intercept"

// agentConfig is a cilium-config and where it came from.
type agentConfig struct {
	data   map[string]string
	source string
}

// readConfigFile reads a cilium-config ConfigMap as kubectl prints it (YAML
// or JSON, alone or in a List).
func readConfigFile(file string) (*agentConfig, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("--cilium-config: %w", err)
	}
	objs, err := validate.ParseManifest(data)
	if err != nil {
		return nil, fmt.Errorf("--cilium-config %s: %w", file, err)
	}
	var found *agentConfig
	for _, o := range expandLists(objs) {
		if o.GetKind() != "ConfigMap" {
			continue
		}
		if found != nil {
			return nil, fmt.Errorf("--cilium-config %s holds more than one ConfigMap; give the %s ConfigMap alone", file, ciliumtls.ConfigMapName)
		}
		m, err := configMapData(o)
		if err != nil {
			return nil, fmt.Errorf("--cilium-config %s: %w", file, err)
		}
		found = &agentConfig{data: m, source: fmt.Sprintf("ConfigMap %s/%s from %s", o.GetNamespace(), o.GetName(), file)}
	}
	if found == nil {
		return nil, fmt.Errorf("--cilium-config %s holds no ConfigMap (kubectl -n kube-system get configmap %s -o yaml)", file, ciliumtls.ConfigMapName)
	}
	return found, nil
}

// expandLists replaces every List by its items.
func expandLists(objs []*unstructured.Unstructured) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		if !o.IsList() {
			out = append(out, o)
			continue
		}
		items, _, _ := unstructured.NestedSlice(o.Object, "items")
		for _, it := range items {
			if m, ok := it.(map[string]any); ok {
				out = append(out, &unstructured.Unstructured{Object: m})
			}
		}
	}
	return out
}

// chartConfig renders Cilium v's own Helm chart, from its Go module's
// directory in the module cache, with the values the sandbox installs
// (sandbox/cilium), and returns its cilium-config.
func chartConfig(ctx context.Context, v versions.Cilium, moduleDir string) (*agentConfig, error) {
	dir := filepath.Join(moduleDir, filepath.FromSlash(cilium.Chart(v).Module.Dir))
	c, err := loader.LoadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("Cilium %s's chart in %s: %w", v, dir, err)
	}
	out, err := release.Render(ctx, release.RenderInput{Chart: c, ReleaseName: cilium.ReleaseName, Namespace: cilium.Namespace,
		Values: cilium.Values(v, cilium.ValuesInput{ClusterName: chartClusterName}), KubeVersion: versions.NodeImageFor(v).Kubernetes})
	if err != nil {
		return nil, err
	}
	objs, err := out.Objects()
	if err != nil {
		return nil, err
	}
	for _, o := range objs {
		if o.GetKind() == "ConfigMap" && o.GetName() == ciliumtls.ConfigMapName {
			m, err := configMapData(o)
			if err != nil {
				return nil, fmt.Errorf("Cilium %s's chart rendered with the sandbox's values: %w", v, err)
			}
			return &agentConfig{data: m, source: fmt.Sprintf("Cilium %s's Helm chart rendered with the sandbox's values", v)}, nil
		}
	}
	return nil, fmt.Errorf("Cilium %s's chart rendered no %s ConfigMap", v, ciliumtls.ConfigMapName)
}

// The cilium-config keys lint's --no-secret-sync and --secrets-namespace
// set, read by both the agent and the operator.
const (
	FlagPolicySecretsSync      = "enable-policy-secrets-sync"
	FlagPolicySecretsNamespace = "policy-secrets-namespace"
)

// configMapData is a ConfigMap's data as the API server stores it: a key
// without a value (`key:` in YAML, which Cilium 1.17.0's chart renders for
// ipam-multi-pool-pre-allocation) is the empty string, as JSON's null
// decodes into a Go string. Any other value that is not a string is an
// error naming the key, never an empty configuration.
func configMapData(o *unstructured.Unstructured) (map[string]string, error) {
	raw, _, err := unstructured.NestedFieldNoCopy(o.Object, "data")
	if err != nil || raw == nil {
		return map[string]string{}, err
	}
	fields, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("ConfigMap %s/%s: data is a %T, not a map", o.GetNamespace(), o.GetName(), raw)
	}
	out := make(map[string]string, len(fields))
	for k, v := range fields {
		switch t := v.(type) {
		case string:
			out[k] = t
		case nil:
			out[k] = ""
		default:
			return nil, fmt.Errorf("ConfigMap %s/%s: data key %s is %v (a %T), not a string", o.GetNamespace(), o.GetName(), k, v, v)
		}
	}
	return out, nil
}
