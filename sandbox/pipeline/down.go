package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/cilium-tls-intercept/sandbox/sandbox/cluster"
	"github.com/cilium-tls-intercept/sandbox/sandbox/steps"
)

// Down deletes the sandbox's kind cluster and its entry in the kubeconfig
// file, and nothing else, as timed steps (preflight, cluster). Deleting a
// cluster that does not exist is not an error: the report's cluster step
// says there was nothing to delete, and Changed is false.
func Down(ctx context.Context, opts Options) (*Report, error) {
	return down(ctx, opts, cluster.NewKind(nil), cluster.CheckDocker)
}

// clusterDeleter is what Down needs of kind (cluster.Kind; a fake in tests).
type clusterDeleter interface {
	Exists(name string) (bool, error)
	Delete(name, kubeconfigPath string) error
}

func down(ctx context.Context, opts Options, k clusterDeleter, checkDocker func(context.Context) error) (*Report, error) {
	if opts.ClusterName == "" {
		opts.ClusterName = DefaultClusterName
	}
	if opts.KubeconfigPath == "" {
		opts.KubeconfigPath = DefaultKubeconfig
	}
	if err := checkClusterName(opts.ClusterName); err != nil {
		return nil, err
	}
	stages := []steps.Stage[clusterDeleter]{
		{{Name: "preflight", Run: func(ctx context.Context, _ clusterDeleter) (string, bool, error) {
			if err := checkDocker(ctx); err != nil {
				return "", false, err
			}
			return "docker answers", false, nil
		}}},
		{{Name: "cluster", Run: func(ctx context.Context, k clusterDeleter) (string, bool, error) {
			exists, err := k.Exists(opts.ClusterName)
			if err != nil || !exists {
				return fmt.Sprintf("nothing to delete: no kind cluster %q", opts.ClusterName), false, err
			}
			if err := ctx.Err(); err != nil {
				return "", false, err
			}
			if err := k.Delete(opts.ClusterName, opts.KubeconfigPath); err != nil {
				return "", false, err
			}
			return fmt.Sprintf("deleted kind cluster %q and its entry in %s", opts.ClusterName, opts.KubeconfigPath), true, nil
		}}},
	}
	rep := &Report{ClusterName: opts.ClusterName, KubeconfigPath: opts.KubeconfigPath}
	start := time.Now()
	var err error
	rep.Steps, err = steps.Run(ctx, k, stages, opts.OnStep)
	rep.Seconds = steps.Seconds(time.Since(start))
	return rep, err
}
