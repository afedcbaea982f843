package assets

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// The control-plane versions the assets are built from. The API server's
// minor version follows the newest Kubernetes minor the sandbox runs on kind.
const (
	// KubernetesVersion is the k8s.io/kubernetes module kube-apiserver is built from.
	KubernetesVersion = "v1.36.3"
	// EtcdVersion is the go.etcd.io/etcd/server/v3 module etcd is built from.
	EtcdVersion = "v3.6.16"
)

// Binary names inside an assets directory, as envtest expects them.
const (
	// APIServerBinary is kube-apiserver's file name.
	APIServerBinary = "kube-apiserver"
	// EtcdBinary is etcd's file name.
	EtcdBinary = "etcd"
)

// ErrMissing means the control-plane binaries are not built yet.
var ErrMissing = errors.New("hermetic control-plane binaries not found")

// DirEnv overrides the default assets directory.
const DirEnv = "SANDBOX_CONTROLPLANE_ASSETS"

// DefaultDir is where the builder puts the binaries and Start looks for
// them: $SANDBOX_CONTROLPLANE_ASSETS when set, otherwise
// <user cache dir>/cilium-tls-intercept/controlplane/<kubernetes>-<etcd>.
func DefaultDir() (string, error) {
	if dir := os.Getenv(DirEnv); dir != "" {
		return dir, nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("locate cache directory: %w", err)
	}
	return filepath.Join(cache, "cilium-tls-intercept", "controlplane", KubernetesVersion+"-"+EtcdVersion), nil
}

// Resolve returns dir, or DefaultDir when dir is empty.
func Resolve(dir string) (string, error) {
	if dir != "" {
		return dir, nil
	}
	return DefaultDir()
}

// Check reports whether dir holds both control-plane binaries. The
// error wraps ErrMissing and says how to build them.
func Check(dir string) error {
	for _, name := range []string{APIServerBinary, EtcdBinary} {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil || info.IsDir() || info.Mode().Perm()&0o111 == 0 {
			return fmt.Errorf("%w: no executable %s in %s; build them with `make controlplane` "+
				"(go run ./cmd/controlplane-build, about 5 minutes once per machine)", ErrMissing, name, dir)
		}
	}
	return nil
}
