package doctor

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// Redacted replaces the values of secret keys other than certificates in a
// recorded state: the checks read key names, never private keys.
const Redacted = "<redacted>"

// recordedFile is one file of a recorded state: a List of one kind.
type recordedFile struct {
	kind       Kind
	file       string
	apiVersion string
	items      func(*State) []any
	// itemKind is the kind of the items when it is not kind itself.
	itemKind string
}

func recordedFiles() []recordedFile {
	return []recordedFile{
		{KindConfigMap, "configmaps.yaml", "v1", func(s *State) []any { return anySlice(s.ConfigMaps) }, ""},
		{KindDaemonSet, "daemonsets.yaml", "apps/v1", func(s *State) []any { return anySlice(s.DaemonSets) }, ""},
		{KindPod, "pods.yaml", "v1", func(s *State) []any { return anySlice(s.Pods) }, ""},
		{KindSecret, "secrets.yaml", "v1", func(s *State) []any { return anySlice(redactSecrets(s.Secrets)) }, ""},
		{KindSyncedSecret, "synced-secrets.yaml", "v1", func(s *State) []any { return anySlice(redactSecrets(s.SyncedSecrets)) }, string(KindSecret)},
		{KindClusterRole, "clusterroles.yaml", "rbac.authorization.k8s.io/v1", func(s *State) []any { return anySlice(s.ClusterRoles) }, ""},
		{KindPolicy, "ciliumnetworkpolicies.yaml", "cilium.io/v2", func(s *State) []any { return anySlice(s.Policies) }, ""},
		{KindClusterPolicy, "ciliumclusterwidenetworkpolicies.yaml", "cilium.io/v2", func(s *State) []any { return anySlice(s.ClusterPolicies) }, ""},
		{KindCiliumEndpoint, "ciliumendpoints.yaml", "cilium.io/v2", func(s *State) []any { return anySlice(s.Endpoints) }, ""},
		{KindCertificate, "certificates.yaml", "cert-manager.io/v1", func(s *State) []any { return anySlice(s.Certificates) }, ""},
		{KindNode, "nodes.yaml", "v1", func(s *State) []any { return anySlice(s.Nodes) }, ""},
		{KindBundle, "bundles.yaml", "trust.cert-manager.io/v1alpha1", func(s *State) []any { return anySlice(s.Bundles) }, ""},
	}
}

func anySlice[T any](in []T) []any {
	out := make([]any, len(in))
	for i := range in {
		out[i] = &in[i]
	}
	return out
}

// redactSecrets copies secrets keeping certificate values and replacing the
// others (private keys, tokens) with Redacted; an empty value stays empty,
// so a recorded state still shows an empty header secret.
func redactSecrets(in []corev1.Secret) []corev1.Secret {
	out := make([]corev1.Secret, len(in))
	for i, s := range in {
		c := *s.DeepCopy()
		for k, v := range c.Data {
			if k != "tls.crt" && k != "ca.crt" && len(v) > 0 {
				c.Data[k] = []byte(Redacted)
			}
		}
		c.StringData = nil
		out[i] = c
	}
	return out
}

// WriteState records st into dir in the layout DumpSource reads: one List
// file per kind that was read (kinds that could not be read are left out,
// so they stay missing), logs/<pod>.log per agent log, and the data-path
// outputs under datapath/. Secret values other than tls.crt and ca.crt are
// redacted, and private keys are removed from the data-path outputs.
func WriteState(ctx context.Context, dir string, st *State) error {
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o755); err != nil {
		return fmt.Errorf("record state: %w", err)
	}
	for _, f := range recordedFiles() {
		if err := ctx.Err(); err != nil {
			return err
		}
		if _, missing := st.Missing[f.kind]; missing {
			continue
		}
		kind := f.itemKind
		if kind == "" {
			kind = string(f.kind)
		}
		if err := writeList(filepath.Join(dir, f.file), f.apiVersion, kind, f.items(st)); err != nil {
			return err
		}
	}
	for _, l := range st.AgentLogs {
		if err := os.WriteFile(filepath.Join(dir, "logs", filepath.Base(l.Pod)+".log"), []byte(l.Text), 0o644); err != nil {
			return fmt.Errorf("record state: %w", err)
		}
	}
	if err := writeEnvoyLogs(dir, st.EnvoyLogs); err != nil {
		return err
	}
	return writeDatapath(dir, st)
}

// EnvoyLogDir is where a dump keeps the cilium-envoy pods' logs:
// logs/envoy/<pod>.log.
const EnvoyLogDir = "envoy"

func writeEnvoyLogs(dir string, logs []AgentLog) error {
	if len(logs) == 0 {
		return nil
	}
	d := filepath.Join(dir, "logs", EnvoyLogDir)
	if err := os.MkdirAll(d, 0o755); err != nil {
		return fmt.Errorf("record state: %w", err)
	}
	for _, l := range logs {
		if err := os.WriteFile(filepath.Join(d, filepath.Base(l.Pod)+".log"), []byte(l.Text), 0o644); err != nil {
			return fmt.Errorf("record state: %w", err)
		}
	}
	return nil
}

// writeList writes items as a kubectl-style List, with apiVersion and kind
// set on every item (typed clients leave them empty).
func writeList(path, apiVersion, kind string, items []any) error {
	typed := make([]map[string]any, 0, len(items))
	for _, it := range items {
		js, err := yaml.Marshal(it)
		if err != nil {
			return fmt.Errorf("record %s: %w", kind, err)
		}
		var m map[string]any
		if err := yaml.Unmarshal(js, &m); err != nil {
			return fmt.Errorf("record %s: %w", kind, err)
		}
		m["apiVersion"], m["kind"] = apiVersion, kind
		if md, ok := m["metadata"].(map[string]any); ok {
			delete(md, "managedFields")
		}
		typed = append(typed, m)
	}
	list := map[string]any{"apiVersion": "v1", "kind": "List", "items": typed, "metadata": metav1.ListMeta{}}
	out, err := yaml.Marshal(list)
	if err != nil {
		return fmt.Errorf("record %s: %w", kind, err)
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		return fmt.Errorf("record state: %w", err)
	}
	return nil
}
