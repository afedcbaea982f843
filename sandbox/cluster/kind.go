package cluster

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"k8s.io/client-go/tools/clientcmd"

	"sigs.k8s.io/kind/pkg/apis/config/v1alpha4"
	kindcluster "sigs.k8s.io/kind/pkg/cluster"
	"sigs.k8s.io/kind/pkg/cluster/nodes"
	"sigs.k8s.io/kind/pkg/log"
)

// Kind manages kind clusters through kind's Go API with the Docker provider.
type Kind struct {
	provider provider
	// host pulls node images and tidies kind's network around Create;
	// nil leaves both to kind.
	host nodeHost
}

// provider is the part of kind's cluster.Provider that Kind uses.
type provider interface {
	Create(name string, options ...kindcluster.CreateOption) error
	Delete(name, explicitKubeconfigPath string) error
	List() ([]string, error)
	KubeConfig(name string, internal bool) (string, error)
	ListInternalNodes(name string) ([]nodes.Node, error)
	CollectLogs(name, dir string) error
}

// NewKind returns a Kind that logs kind's own progress to logger
// (log.NoopLogger{} for none).
func NewKind(logger log.Logger) *Kind {
	if logger == nil {
		logger = log.NoopLogger{}
	}
	return &Kind{provider: kindcluster.NewProvider(kindcluster.ProviderWithDocker(), kindcluster.ProviderWithLogger(logger)), host: dockerHost{}}
}

// Exists reports whether a kind cluster called name exists.
func (k *Kind) Exists(name string) (bool, error) {
	names, err := k.provider.List()
	if err != nil {
		return false, fmt.Errorf("list kind clusters: %w", err)
	}
	return slices.Contains(names, name), nil
}

// CreateInput says what cluster to create.
type CreateInput struct {
	// Config is the validated kind configuration (see LoadConfig).
	Config *v1alpha4.Cluster
	// Name is the cluster's name; it overrides Config.Name.
	Name string
	// NodeImage is the node image for every node.
	NodeImage string
	// KubeconfigPath is the file kind writes the cluster's kubeconfig to.
	KubeconfigPath string
}

// Delete deletes the cluster and removes its entry from kubeconfigPath.
// Deleting a cluster that does not exist is not an error.
func (k *Kind) Delete(name, kubeconfigPath string) error {
	if err := k.provider.Delete(name, kubeconfigPath); err != nil {
		return fmt.Errorf("delete kind cluster %q: %w", name, err)
	}
	return nil
}

// WriteKubeconfig writes the cluster's external kubeconfig to path with
// mode 0600. Entries of other clusters already in the file are kept (kind
// does the same), so --kubeconfig ~/.kube/config adds the sandbox instead of
// replacing the user's other contexts; the sandbox's context becomes current.
func (k *Kind) WriteKubeconfig(name, path string) error {
	cfg, err := k.Kubeconfig(name)
	if err != nil {
		return err
	}
	merged, err := MergeKubeconfig(path, cfg)
	if err != nil {
		return err
	}
	return WriteFile0600(path, merged)
}

// Kubeconfig returns the cluster's external kubeconfig as kind reads it
// from the control-plane node, writing no file.
func (k *Kind) Kubeconfig(name string) ([]byte, error) {
	cfg, err := k.provider.KubeConfig(name, false)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig of kind cluster %q: %w", name, err)
	}
	return []byte(cfg), nil
}

// MergeKubeconfig returns the kubeconfig file at path (none when missing)
// with the clusters, users and contexts of cfg added or replaced and cfg's
// current context made current.
func MergeKubeconfig(path string, cfg []byte) ([]byte, error) {
	add, err := clientcmd.Load(cfg)
	if err != nil {
		return nil, fmt.Errorf("parse kind's kubeconfig: %w", err)
	}
	existing, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) || (err == nil && len(bytes.TrimSpace(existing)) == 0) {
		return cfg, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read kubeconfig %s: %w", path, err)
	}
	into, err := clientcmd.Load(existing)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig %s is not a kubeconfig, so the sandbox's entry cannot be added to it: %w", path, err)
	}
	maps.Copy(into.Clusters, add.Clusters)
	maps.Copy(into.AuthInfos, add.AuthInfos)
	maps.Copy(into.Contexts, add.Contexts)
	into.CurrentContext = add.CurrentContext
	out, err := clientcmd.Write(*into)
	if err != nil {
		return nil, fmt.Errorf("merge kubeconfig %s: %w", path, err)
	}
	return out, nil
}

// Nodes returns the cluster's Kubernetes nodes (not a load balancer).
func (k *Kind) Nodes(name string) ([]nodes.Node, error) {
	ns, err := k.provider.ListInternalNodes(name)
	if err != nil {
		return nil, fmt.Errorf("list nodes of kind cluster %q: %w", name, err)
	}
	return ns, nil
}

// CollectLogs exports the cluster's logs into dir as `kind export logs`
// does: each node's kubelet and containerd journal, its pods' and
// containers' logs, and `docker inspect` of the node.
func (k *Kind) CollectLogs(name, dir string) error {
	if err := k.provider.CollectLogs(name, dir); err != nil {
		return fmt.Errorf("export logs of kind cluster %q: %w", name, err)
	}
	return nil
}

// WriteFile0600 writes data to path through a temporary file and a rename,
// with mode 0600, creating the directory (0700) when missing.
func WriteFile0600(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("chmod %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
