package hermetic

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	controllerpkg "github.com/cert-manager/cert-manager/pkg/controller"
	"github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/approver"
	crca "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/ca"
	crselfsigned "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/selfsigned"
	"github.com/cert-manager/cert-manager/pkg/controller/certificates/issuing"
	"github.com/cert-manager/cert-manager/pkg/controller/certificates/keymanager"
	"github.com/cert-manager/cert-manager/pkg/controller/certificates/readiness"
	"github.com/cert-manager/cert-manager/pkg/controller/certificates/requestmanager"
	"github.com/cert-manager/cert-manager/pkg/controller/certificates/revisionmanager"
	"github.com/cert-manager/cert-manager/pkg/controller/certificates/trigger"
	"github.com/cert-manager/cert-manager/pkg/controller/clusterissuers"
	"github.com/cert-manager/cert-manager/pkg/controller/issuers"
	_ "github.com/cert-manager/cert-manager/pkg/issuer/ca"         // registers the CA issuer
	_ "github.com/cert-manager/cert-manager/pkg/issuer/selfsigned" // registers the SelfSigned issuer
)

// CertManagerControllers returns the cert-manager controllers run
// in-process: everything the SelfSigned and CA issuers need to take a
// Certificate to Ready (no ACME, Vault, Venafi, ingress or gateway shims,
// no webhook: the CRDs' OpenAPI schemas validate instead).
func CertManagerControllers() []string {
	return []string{
		issuers.ControllerName,
		clusterissuers.ControllerName,
		trigger.ControllerName,
		keymanager.ControllerName,
		requestmanager.ControllerName,
		issuing.ControllerName,
		readiness.ControllerName,
		revisionmanager.ControllerName,
		approver.ControllerName,
		crselfsigned.CRControllerName,
		crca.CRControllerName,
	}
}

// certManager runs cert-manager's controllers until its context is cancelled.
type certManager struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	errs   []error
}

// startCertManager builds cert-manager's controller context from a
// kubeconfig and starts the CertManagerControllers and their informers.
func startCertManager(ctx context.Context, kubeconfig, clusterResourceNamespace string) (*certManager, error) {
	ctx, cancel := context.WithCancel(ctx)
	cm := &certManager{cancel: cancel}
	factory, err := controllerpkg.NewContextFactory(ctx, controllerpkg.ContextOptions{
		Kubeconfig:         kubeconfig,
		KubernetesAPIQPS:   100,
		KubernetesAPIBurst: 200,
		IssuerOptions:      controllerpkg.IssuerOptions{ClusterResourceNamespace: clusterResourceNamespace},
		CertificateOptions: controllerpkg.CertificateOptions{
			CertificateRequestMinimumBackoffDuration: 5 * time.Second,
			CertificateRequestMaximumBackoffDuration: 5 * time.Second,
		},
	})
	if err != nil {
		cancel()
		return nil, fmt.Errorf("cert-manager controller context: %w", err)
	}
	known := controllerpkg.Known()
	for _, name := range CertManagerControllers() {
		construct, ok := known[name]
		if !ok {
			cancel()
			return nil, fmt.Errorf("cert-manager controller %q is not registered", name)
		}
		c, err := construct(factory)
		if err != nil {
			cancel()
			return nil, fmt.Errorf("cert-manager controller %s: %w", name, err)
		}
		cm.wg.Go(func() {
			// A controller stopped by stop before its caches synced returns
			// "error waiting for informer caches to sync", not
			// context.Canceled: once ctx is cancelled an error is the stop's.
			if err := c.Run(2, ctx); err != nil && !errors.Is(err, context.Canceled) && ctx.Err() == nil {
				cm.mu.Lock()
				cm.errs = append(cm.errs, fmt.Errorf("%s: %w", name, err))
				cm.mu.Unlock()
			}
		})
	}
	shared, err := factory.Build()
	if err != nil {
		cancel()
		return nil, fmt.Errorf("cert-manager informers: %w", err)
	}
	shared.SharedInformerFactory.Start(ctx.Done())
	shared.KubeSharedInformerFactory.Start(ctx.Done())
	return cm, nil
}

// stop cancels the controllers and waits for them to return.
func (cm *certManager) stop() error {
	cm.cancel()
	cm.wg.Wait()
	cm.mu.Lock()
	defer cm.mu.Unlock()
	return errors.Join(cm.errs...)
}
