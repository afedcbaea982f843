package cluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
	"sigs.k8s.io/kind/pkg/apis/config/v1alpha4"
	kindcluster "sigs.k8s.io/kind/pkg/cluster"
	kindexec "sigs.k8s.io/kind/pkg/exec"

	"github.com/cilium-tls-intercept/sandbox/sandbox/images"
)

// ErrPrivilegedRefused means the Docker daemon refused to start a
// privileged container, which every kind node is.
var ErrPrivilegedRefused = errors.New("the Docker daemon refuses privileged containers, which kind's nodes are")

// Create creates the cluster without waiting for nodes to be Ready: with no
// CNI installed they cannot be. The node images are pulled first through
// the Engine API, which stops as soon as ctx is done (kind's own pull
// retries for about 10 s and takes no context). kind's API takes no
// context, so when ctx is cancelled later Create deletes the cluster at
// once (which makes kind's remaining actions fail fast), waits for kind to
// return and deletes what it may have added meanwhile: a half-made cluster
// would otherwise pass for an existing one on the next Up. A failed or
// cancelled create also removes kind's Docker network when Create made it
// and nothing else uses it. A daemon that refuses privileged containers
// fails with ErrPrivilegedRefused.
func (k *Kind) Create(ctx context.Context, in CreateInput) error {
	cfg := ConfigFor(in.Config, in.Name, in.NodeImage)
	network := KindNetwork()
	hadNetwork := true
	if k.host != nil {
		for _, ref := range nodeImages(cfg.Nodes) {
			if _, err := k.host.EnsureImage(ctx, ref); err != nil {
				if ctx.Err() != nil { // say so without the Engine API's request
					return fmt.Errorf("pull node image %s: %w, before kind created anything", ref, ctx.Err())
				}
				return err
			}
		}
		var err error
		if hadNetwork, err = k.host.NetworkExists(ctx, network); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Dir(in.KubeconfigPath), 0o700); err != nil {
		return fmt.Errorf("create kubeconfig directory: %w", err)
	}
	err := k.runCreate(ctx, cfg.Name, in.KubeconfigPath, kindcluster.CreateWithV1Alpha4Config(cfg))
	if err != nil && !hadNetwork {
		// kind keeps its network after a delete; one made for this failed
		// cluster alone goes too (with its own context: ctx may be done).
		if rerr := k.host.RemoveUnusedNetwork(context.WithoutCancel(ctx), network); rerr != nil {
			err = errors.Join(err, rerr)
		}
	}
	return err
}

// runCreate runs kind's create, deleting the cluster when ctx is done first.
func (k *Kind) runCreate(ctx context.Context, name, kubeconfig string, config kindcluster.CreateOption) error {
	done := make(chan error, 1)
	go func() {
		done <- k.provider.Create(name, config,
			kindcluster.CreateWithKubeconfigPath(kubeconfig),
			kindcluster.CreateWithWaitForReady(0),
			kindcluster.CreateWithDisplayUsage(false),
			kindcluster.CreateWithDisplaySalutation(false),
		)
	}()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("create kind cluster %q: %w", name, explainCreate(err))
		}
		return nil
	case <-ctx.Done():
		errs := []error{ctx.Err(), k.provider.Delete(name, kubeconfig)}
		<-done
		errs = append(errs, k.provider.Delete(name, kubeconfig))
		return fmt.Errorf("create kind cluster %q: %w (the partly created cluster was removed)", name, errors.Join(errs...))
	}
}

// explainCreate adds to kind's error the output of the command that
// failed (kind's message has only the command and its exit status), and
// names a refused privileged container as such.
func explainCreate(err error) error {
	var run *kindexec.RunError
	if !errors.As(err, &run) {
		return err
	}
	out := errorLine(string(run.Output))
	if slices.Contains(run.Command, "--privileged") && strings.Contains(string(run.Output), "operation not permitted") {
		return fmt.Errorf("%w (docker run --privileged: %s); run the sandbox on a Docker host that allows privileged containers (Docker Desktop, Colima, a VM or a CI runner with Docker)", ErrPrivilegedRefused, out)
	}
	if out == "" {
		return err
	}
	return fmt.Errorf("%w: %s", err, out)
}

// errorLine is the line of a command's output that holds the error: the
// Docker daemon's answer when there is one, else the last line.
func errorLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for _, l := range lines {
		if _, after, ok := strings.Cut(l, "Error response from daemon: "); ok {
			return strings.TrimSpace(after)
		}
	}
	return strings.TrimSpace(lines[len(lines)-1])
}

// nodeImages lists the nodes' images, each once.
func nodeImages(nodes []v1alpha4.Node) []string {
	var out []string
	for _, n := range nodes {
		if n.Image != "" && !slices.Contains(out, n.Image) {
			out = append(out, n.Image)
		}
	}
	return out
}

// KindNetworkEnv is the environment variable kind reads the nodes' Docker
// network from (kind's pkg/cluster/internal/providers/docker/provider.go).
const KindNetworkEnv = "KIND_EXPERIMENTAL_DOCKER_NETWORK"

// DefaultKindNetwork is the Docker network kind puts nodes on by default.
const DefaultKindNetwork = "kind"

// KindNetwork is the Docker network kind puts the nodes on:
// $KIND_EXPERIMENTAL_DOCKER_NETWORK as kind reads it, else "kind". Create
// and every container that must reach the nodes (the scenarios' fake
// upstreams) use it.
func KindNetwork() string {
	if n := os.Getenv(KindNetworkEnv); n != "" {
		return n
	}
	return DefaultKindNetwork
}

// nodeHost is what Create needs of the Docker host besides kind.
type nodeHost interface {
	// EnsureImage pulls ref unless the host has it, stopping when ctx is done.
	EnsureImage(ctx context.Context, ref string) (pulled bool, err error)
	// NetworkExists reports whether the Docker network exists.
	NetworkExists(ctx context.Context, name string) (bool, error)
	// RemoveUnusedNetwork removes the network when no container uses it.
	RemoveUnusedNetwork(ctx context.Context, name string) error
}

// dockerHost is nodeHost through the Engine API, one client per call.
type dockerHost struct{}

func (dockerHost) EnsureImage(ctx context.Context, ref string) (bool, error) {
	c, err := NewDockerClient()
	if err != nil {
		return false, err
	}
	defer c.Close()
	return images.EnsureOnHost(ctx, c, ref, images.DockerConfig{})
}

func (dockerHost) NetworkExists(ctx context.Context, name string) (bool, error) {
	c, err := NewDockerClient()
	if err != nil {
		return false, err
	}
	defer c.Close()
	_, err = c.NetworkInspect(ctx, name, client.NetworkInspectOptions{})
	if cerrdefs.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("inspect Docker network %s: %w", name, err)
	}
	return true, nil
}

func (dockerHost) RemoveUnusedNetwork(ctx context.Context, name string) error {
	c, err := NewDockerClient()
	if err != nil {
		return err
	}
	defer c.Close()
	n, err := c.NetworkInspect(ctx, name, client.NetworkInspectOptions{})
	if cerrdefs.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("inspect Docker network %s: %w", name, err)
	}
	if len(n.Network.Containers) > 0 {
		return nil
	}
	if _, err := c.NetworkRemove(ctx, name, client.NetworkRemoveOptions{}); err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("remove Docker network %s, made for the failed cluster: %w", name, err)
	}
	return nil
}
