package scenarios

import (
	"context"
	"fmt"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/e2e-framework/pkg/features"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun/wire"
	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
	"github.com/cilium-tls-intercept/sandbox/sandbox/scenario"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/probe"
)

// rotationServeTimeout bounds how long the operator's copy and the agent's
// SDS secret may take to carry a renewal: both react to watch events, with
// no policy recompute.
const rotationServeTimeout = 30 * time.Second

func (a *agentTier) featureRotation() features.Feature {
	return agentFeature("a renewal reaches Envoy over SDS without a policy recompute", scenario.Rotation).
		Assess("the operator's copy and the agent's SDS secret carry the new serial; NPDS is unchanged", timed(func(ctx context.Context, t *testing.T) {
			a.requireSync(t)
			before := a.view(ctx, t, a.c, intercept.WorkloadNamespace)
			ns, name := a.h.tlsNS, intercept.CertificateName(githubGroup)
			src := types.NamespacedName{Namespace: ns, Name: intercept.SecretName(githubGroup)}
			cert, err := a.h.waitCertificateReady(ctx, ns, name, 1)
			if err != nil {
				t.Fatal(err)
			}
			old, _, err := a.h.secretCert(ctx, src.Namespace, src.Name)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			if err := renew(ctx, a.h.dyn, ns, name); err != nil {
				t.Fatal(err)
			}
			if _, err := a.h.waitCertificateReady(ctx, ns, name, *cert.Status.Revision+1); err != nil {
				t.Fatal(err)
			}
			issued := time.Since(start)
			renewed, _, err := a.h.secretCert(ctx, src.Namespace, src.Name)
			if err != nil {
				t.Fatal(err)
			}
			serial := probe.SerialHex(renewed)
			if serial == probe.SerialHex(old) {
				t.Fatalf("cert-manager kept serial %s", serial)
			}
			copyName := a.waitCopySerial(ctx, t, src, serial)
			copied := time.Since(start)
			sdsName := a.secretsNS() + "/" + copyName
			after := a.viewUntil(ctx, t, a.c, intercept.WorkloadNamespace, func(cv *wire.ClusterView) error {
				return sdsLeafSerial(t, cv, sdsName, serial)
			})
			round := func(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
			t.Logf("serial %s -> %s; after the renewal request: Certificate Ready at %s, operator copy %s at %s, agent SDS at %s",
				probe.SerialHex(old), serial, round(issued), sdsName, round(copied), round(time.Since(start)))
			if b, a := npdsOf(t, before), npdsOf(t, after); !proto.Equal(b, a) {
				t.Errorf("NPDS changed with the renewal:\n%s\n%s", npdsExcerpt(t, b, 443), npdsExcerpt(t, a, 443))
			} else {
				t.Logf("NPDS unchanged: it names %s, not the certificate", sdsName)
			}
		})).Feature()
}

// waitCopySerial waits until the operator's copy of src holds the leaf
// with serial, and returns the copy's name.
func (a *agentTier) waitCopySerial(ctx context.Context, t *testing.T, src types.NamespacedName, serial string) string {
	t.Helper()
	var name, seen string
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, rotationServeTimeout, true, func(ctx context.Context) (bool, error) {
		c, err := a.h.operatorCopy(ctx, a.secretsNS(), src)
		if err != nil {
			seen = err.Error()
			return false, nil
		}
		leaf, err := parseCert(c.Data["tls.crt"])
		if err != nil {
			seen = err.Error()
			return false, nil
		}
		name, seen = c.Name, "serial "+probe.SerialHex(leaf)
		return probe.SerialHex(leaf) == serial, nil
	})
	if err != nil {
		t.Fatalf("operator copy of %s never carried serial %s within %s: last %s", src, serial, rotationServeTimeout, seen)
	}
	return name
}

// sdsLeafSerial accepts a view whose SDS secret name is a TLS certificate
// whose leaf has serial.
func sdsLeafSerial(t *testing.T, cv *wire.ClusterView, name, serial string) error {
	sec := sdsSecret(t, cv, name)
	if sec == nil {
		return fmt.Errorf("the agent serves no SDS secret %s", name)
	}
	leaf, err := parseCert(sec.GetTlsCertificate().GetCertificateChain().GetInlineBytes())
	if err != nil {
		return fmt.Errorf("SDS TLS certificate %s: %w", name, err)
	}
	if got := probe.SerialHex(leaf); got != serial {
		return fmt.Errorf("SDS TLS certificate %s has serial %s, want %s", name, got, serial)
	}
	return nil
}
