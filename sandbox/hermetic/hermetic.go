package hermetic

import (
	"context"
	"errors"

	"k8s.io/client-go/rest"
)

// Options configure Start.
type Options struct {
	// AssetsDir holds the kube-apiserver and etcd binaries; empty means the
	// default cache directory.
	AssetsDir string
}

// ControlPlane is a running hermetic control plane.
type ControlPlane struct {
	// Config reaches the API server.
	Config *rest.Config
	// KubeconfigPath is a kubeconfig file for the API server.
	KubeconfigPath string
}

// ErrNoAssets means the control-plane binaries are not built yet.
var ErrNoAssets = errors.New("hermetic control-plane binaries not found")

// Start starts the control plane, installs the CRDs the sandbox uses and
// starts cert-manager's controllers.
func Start(ctx context.Context, opts Options) (*ControlPlane, error) { return nil, ErrNoAssets }

// Stop stops everything Start started.
func (c *ControlPlane) Stop(ctx context.Context) error { return nil }
