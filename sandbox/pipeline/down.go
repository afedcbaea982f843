package pipeline

import (
	"context"

	"github.com/cilium-tls-intercept/sandbox/sandbox/cluster"
)

// Down deletes the sandbox's kind cluster and its entry in the kubeconfig
// file, and nothing else. deleted tells whether there was a cluster to
// delete: a cluster that does not exist is not an error.
func Down(ctx context.Context, opts Options) (deleted bool, err error) {
	if opts.ClusterName == "" {
		opts.ClusterName = DefaultClusterName
	}
	if opts.KubeconfigPath == "" {
		opts.KubeconfigPath = DefaultKubeconfig
	}
	if err := checkClusterName(opts.ClusterName); err != nil {
		return false, err
	}
	if err := cluster.CheckDocker(ctx); err != nil {
		return false, err
	}
	return down(ctx, opts, cluster.NewKind(nil))
}

// clusterDeleter is what Down needs of kind (cluster.Kind; a fake in tests).
type clusterDeleter interface {
	Exists(name string) (bool, error)
	Delete(name, kubeconfigPath string) error
}

func down(ctx context.Context, opts Options, k clusterDeleter) (bool, error) {
	exists, err := k.Exists(opts.ClusterName)
	if err != nil || !exists {
		return false, err
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if err := k.Delete(opts.ClusterName, opts.KubeconfigPath); err != nil {
		return false, err
	}
	return true, nil
}
