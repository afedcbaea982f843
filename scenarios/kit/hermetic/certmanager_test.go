package hermetic

import (
	"testing"

	controllerpkg "github.com/cert-manager/cert-manager/pkg/controller"
)

// TestCertManagerControllersRegistered checks that the imports register
// every controller Start runs, and that no ACME controller came along.
func TestCertManagerControllersRegistered(t *testing.T) {
	known := controllerpkg.Known()
	for _, name := range CertManagerControllers() {
		t.Run(name, func(t *testing.T) {
			if known[name] == nil {
				t.Errorf("cert-manager controller %q is not registered", name)
			}
		})
	}
	for _, name := range []string{"orders", "challenges", "certificaterequests-issuer-acme"} {
		if known[name] != nil {
			t.Errorf("controller %q is linked in; the hermetic control plane needs no ACME", name)
		}
	}
}
