package hermetic

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	trustapi "github.com/cert-manager/trust-manager/pkg/apis/trust/v1alpha1"
	"github.com/cert-manager/trust-manager/pkg/bundle"
	bundlecontroller "github.com/cert-manager/trust-manager/pkg/bundle/controller"
	"github.com/cert-manager/trust-manager/pkg/fspkg"
	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	ctrlconfig "sigs.k8s.io/controller-runtime/pkg/config"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

// SystemTrustBundle is the PEM file the default CA package is built from,
// standing in for trust-manager's trust-pkg-debian image.
const SystemTrustBundle = "/etc/ssl/certs/ca-certificates.crt"

// trustManager runs trust-manager's Bundle controller until stopped.
type trustManager struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	err    error
}

// startTrustManager runs trust-manager's Bundle controller (secret targets
// enabled, trust namespace trustNamespace) in a controller-runtime manager.
// defaultPackage, when not empty, is the JSON CA package Bundles with
// useDefaultCAs read.
func startTrustManager(ctx context.Context, cfg *rest.Config, trustNamespace, defaultPackage string) (*trustManager, error) {
	scheme := runtime.NewScheme()
	if err := errors.Join(clientgoscheme.AddToScheme(scheme), trustapi.AddToScheme(scheme)); err != nil {
		return nil, err
	}
	opts := bundlecontroller.Options{
		Namespace:              trustNamespace,
		DefaultPackageLocation: defaultPackage,
		SecretTargetsEnabled:   true,
	}
	skip := true
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 scheme,
		Logger:                 logr.FromContextOrDiscard(ctx),
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Cache:                  bundle.CacheOpts(opts),
		// Controller names are global to a process; a test may start
		// several control planes one after another.
		Controller: ctrlconfig.Controller{SkipNameValidation: &skip},
	})
	if err != nil {
		return nil, fmt.Errorf("trust-manager manager: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	if err := bundle.SetupWithManager(ctx, mgr, opts); err != nil {
		cancel()
		return nil, fmt.Errorf("trust-manager bundle controller: %w", err)
	}
	tm := &trustManager{cancel: cancel}
	tm.wg.Go(func() { tm.err = mgr.Start(ctx) })
	return tm, nil
}

// stop cancels the manager and waits for it to return.
func (tm *trustManager) stop() error {
	tm.cancel()
	tm.wg.Wait()
	if tm.err != nil {
		return fmt.Errorf("trust-manager: %w", tm.err)
	}
	return nil
}

// writeDefaultPackage writes trust-manager's default CA package from the
// PEM file at src into dir, returning its path, or "" when src is missing
// (Bundles using useDefaultCAs then report why they are not synced).
func writeDefaultPackage(src, dir string) (string, error) {
	pem, err := os.ReadFile(src)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read system trust bundle: %w", err)
	}
	if !x509.NewCertPool().AppendCertsFromPEM(pem) {
		return "", fmt.Errorf("system trust bundle %s holds no PEM certificate", src)
	}
	pkg := fspkg.Package{Name: "hermetic-system-roots", Version: "1", Bundle: string(pem)}
	if err := pkg.Validate(); err != nil {
		return "", fmt.Errorf("system trust bundle %s: %w", src, err)
	}
	data, err := json.Marshal(pkg)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "default-ca-package.json")
	return path, os.WriteFile(path, data, 0o600)
}
