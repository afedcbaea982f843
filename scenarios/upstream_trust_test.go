package scenarios

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/e2e-framework/pkg/envconf"
	"sigs.k8s.io/e2e-framework/pkg/features"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
	"github.com/cilium-tls-intercept/sandbox/sandbox/doctor"
	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
	"github.com/cilium-tls-intercept/sandbox/sandbox/resources"
	"github.com/cilium-tls-intercept/sandbox/sandbox/scenario"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/probe"
)

// upstreamTrustID labels the feature. It is not a column of the version
// matrix (sandbox/scenario lists those); go test ./scenarios runs it, and
// --labels scenario=upstream-trust selects it.
const upstreamTrustID = "upstream-trust"

// upstreamProbeInterval spaces the requests while the trust changes: Envoy
// drops the hosts of its ORIGINAL_DST cluster unused for a cleanup interval
// (Cilium's bootstrap: envoy.connectTimeoutSeconds + 0.5s, 2.5s by
// default), closing their pooled upstream connections, so a request after
// a pause opens a new connection, whose handshake uses the changed trust.
const upstreamProbeInterval = 8 * time.Second

// brokenTrustKey holds the trust the feature changed, to put it back.
type brokenTrustKey struct{}

type brokenTrust struct {
	bundle  string
	sources []any
	// copyNS is where Cilium's operator keeps its copy of the trust.
	copyNS string
	// gone are the CAs the broken trust lacks, when known (offline: the
	// fake upstream's); only the CA the broken trust holds otherwise.
	gone, only []*x509.Certificate
}

// TestUpstreamTrust breaks the upstream trust on purpose, the way users do
// (offline the fake upstream's CA left out of the chart's trust-manager
// Bundle; on the internet the public roots left out), and expects Envoy's
// 503 and the doctor to name the upstream trust as the root cause. It puts
// the trust back after.
func TestUpstreamTrust(t *testing.T) {
	requireDataPath(t)
	f := features.New(upstreamTrustID).WithLabel(scenario.Label, upstreamTrustID).
		Setup(func(ctx context.Context, t *testing.T, _ *envconf.Config) context.Context {
			b := suite.breakUpstreamTrust(ctx, t)
			return context.WithValue(ctx, brokenTrustKey{}, b)
		}).
		Assess("Envoy cannot verify the server: the workload gets Envoy's 503", func(ctx context.Context, t *testing.T, _ *envconf.Config) context.Context {
			suite.expectUpstream503(ctx, t)
			return ctx
		}).
		Assess("the doctor's root cause is the upstream trust", func(ctx context.Context, t *testing.T, _ *envconf.Config) context.Context {
			requireKernel(t, "the Hubble flows of Envoy's 503, which the doctor's upstream-trust check reads")
			b := ctx.Value(brokenTrustKey{}).(*brokenTrust)
			suite.expectDoctorUpstreamTrust(ctx, t, b.bundle)
			return ctx
		}).
		Teardown(func(ctx context.Context, t *testing.T, _ *envconf.Config) context.Context {
			if b, ok := ctx.Value(brokenTrustKey{}).(*brokenTrust); ok {
				suite.restoreUpstreamTrust(ctx, t, b)
			}
			return ctx
		}).Feature()
	testenv.Test(t, f)
}

// breakUpstreamTrust changes the chart's upstream Bundle and waits until
// Cilium's operator copied the result, which the agent serves Envoy over
// SDS. It skips where the trust reaches Envoy otherwise.
func (s *suiteState) breakUpstreamTrust(ctx context.Context, t *testing.T) *brokenTrust {
	t.Helper()
	cm, err := s.cs.CoreV1().ConfigMaps(doctor.DefaultCiliumNamespace).Get(ctx, ciliumtls.ConfigMapName, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("read cilium-config: %v", err)
	}
	cfg := ciliumtls.ConfigFrom(cm.Data)
	if !cfg.SDS() {
		t.Skip("needs secret sync (1.17+, tls.secretSync.enabled): inline, a changed trust reaches Envoy only when the policy is recomputed (cilium/cilium#35513)")
	}
	bundles := s.dyn.Resource(resources.Bundles())
	u, err := bundles.Get(ctx, intercept.UpstreamTrustSecret, metav1.GetOptions{})
	if err != nil {
		t.Skipf("needs the chart's trust-manager Bundle %s (upstreamTrust.existingSecret unset): %v", intercept.UpstreamTrustSecret, err)
	}
	sources, _, _ := unstructured.NestedSlice(u.Object, "spec", "sources")
	b := &brokenTrust{bundle: u.GetName(), sources: sources, copyNS: cfg.Namespace}
	broken, err := b.brokenSources(s.opts.upstream == upstreamLocal)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.setBundleSources(ctx, b.bundle, broken); err != nil {
		t.Fatal(err)
	}
	t.Logf("Bundle %s: sources %d -> %d; waiting for the operator's copy in %s", b.bundle, len(sources), len(broken), b.copyNS)
	if err := s.waitTrustCopy(ctx, b, true); err != nil {
		s.restoreUpstreamTrust(ctx, t, b)
		t.Fatal(err)
	}
	return b
}

// brokenSources leaves the server's root out: offline the inline CAs (the
// fake upstream's), keeping the public roots; on the internet the public
// roots, in favour of a CA made here (a Bundle needs one source).
func (b *brokenTrust) brokenSources(offline bool) ([]any, error) {
	if offline {
		var keep []any
		for _, src := range b.sources {
			m, _ := src.(map[string]any)
			if pemText, ok := m["inLine"].(string); ok {
				b.gone = append(b.gone, certsOf([]byte(pemText))...)
				continue
			}
			keep = append(keep, src)
		}
		if len(b.gone) == 0 || len(keep) == 0 {
			return nil, fmt.Errorf("Bundle %s has no inline CA besides other sources to leave out (sources %v): offline it holds the fake upstream's CA (upstreamTrust.extraCertificates)", b.bundle, b.sources)
		}
		return keep, nil
	}
	ca, pemText, err := privateCA()
	if err != nil {
		return nil, err
	}
	b.only = []*x509.Certificate{ca}
	return []any{map[string]any{"inLine": pemText}}, nil
}

func (s *suiteState) setBundleSources(ctx context.Context, name string, sources []any) error {
	bundles := s.dyn.Resource(resources.Bundles())
	u, err := bundles.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("read Bundle %s: %w", name, err)
	}
	if err := unstructured.SetNestedSlice(u.Object, sources, "spec", "sources"); err != nil {
		return err
	}
	if _, err := bundles.Update(ctx, u, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("update Bundle %s: %w", name, err)
	}
	return nil
}

// waitTrustCopy waits until Cilium's operator's copy of the trust is broken
// (or, broken false, whole again), and says what it last held.
func (s *suiteState) waitTrustCopy(ctx context.Context, b *brokenTrust, broken bool) error {
	sel := ciliumtls.OwningSecretNameLabel + "=" + intercept.UpstreamTrustSecret
	var held []*x509.Certificate
	err := wait.PollUntilContextTimeout(ctx, 2*time.Second, s.opts.rotationTimeout, true, func(ctx context.Context) (bool, error) {
		list, err := s.cs.CoreV1().Secrets(b.copyNS).List(ctx, metav1.ListOptions{LabelSelector: sel})
		if err != nil || len(list.Items) != 1 {
			return false, nil
		}
		held = certsOf(list.Items[0].Data[ciliumtls.KeyTrustedCA])
		return b.isBroken(held) == broken, nil
	})
	if err != nil {
		var names []string
		for _, c := range held {
			names = append(names, c.Subject.String())
		}
		return fmt.Errorf("the operator's copy of %s in %s (label %s) is not %s after %s; it holds %d CAs (%s)",
			intercept.UpstreamTrustSecret, b.copyNS, sel, map[bool]string{true: "changed", false: "restored"}[broken], s.opts.rotationTimeout, len(held), strings.Join(names, "; "))
	}
	return nil
}

// isBroken reports whether a trust lacks the server's root: it holds none
// of the left-out CAs, or only the CA made here.
func (b *brokenTrust) isBroken(held []*x509.Certificate) bool {
	if b.only != nil {
		return len(held) == 1 && held[0].Equal(b.only[0])
	}
	for _, g := range b.gone {
		for _, h := range held {
			if g.Equal(h) {
				return false
			}
		}
	}
	return true
}

// expectUpstream503 requests GET /meta until Envoy answers 503 with its
// verification failure as the transport failure reason.
func (s *suiteState) expectUpstream503(ctx context.Context, t *testing.T) {
	t.Helper()
	p := s.prober(ctx, t, s.workload)
	var last probe.Result
	var lastErr error
	err := wait.PollUntilContextTimeout(ctx, upstreamProbeInterval, s.opts.rotationTimeout, true, func(ctx context.Context) (bool, error) {
		last, lastErr = p.Probe(ctx, githubMeta.probeRequest(s.opts.probeTimeout))
		return lastErr == nil && last.HTTPCode == 503 && strings.Contains(last.Body, "CERTIFICATE_VERIFY_FAILED"), nil
	})
	if err != nil {
		t.Fatalf("GET https://%s%s did not get Envoy's 503 (CERTIFICATE_VERIFY_FAILED) within %s: last %s, http %d, body %q, exit %d, error %v",
			githubHost, githubPath, s.opts.rotationTimeout, last.Expectation, last.HTTPCode, strings.TrimSpace(last.Body), last.ExitCode, lastErr)
	}
	t.Logf("Envoy answered %d: %s", last.HTTPCode, strings.TrimSpace(last.Body))
}

// expectDoctorUpstreamTrust runs the doctor on the cluster until its root
// cause is upstream-trust (Hubble Relay takes seconds to hold Envoy's
// response), and expects it to name the Bundle.
func (s *suiteState) expectDoctorUpstreamTrust(ctx context.Context, t *testing.T, bundle string) {
	t.Helper()
	src, err := doctor.NewLiveSourceForConfig(s.rest, s.rest.Host)
	if err != nil {
		t.Fatal(err)
	}
	var rep *doctor.Report
	var runErr error
	err = wait.PollUntilContextTimeout(ctx, 5*time.Second, settleTimeout, true, func(ctx context.Context) (bool, error) {
		rep, runErr = doctor.Run(ctx, src, doctor.Options{})
		return runErr == nil && rep.RootCause == "upstream-trust", nil
	})
	var text bytes.Buffer
	if rep != nil {
		_ = rep.WriteTextWith(&text, doctor.TextOptions{AllEvidence: true})
	}
	if err != nil {
		t.Fatalf("the doctor's root cause is not upstream-trust after %s (run error: %v):\n%s", settleTimeout, runErr, text.String())
	}
	cause := rep.Cause()
	if !strings.Contains(cause.Reason, "Bundle "+bundle) || !strings.Contains(cause.Reason, "CERTIFICATE_VERIFY_FAILED") || cause.Fix == "" {
		t.Errorf("root cause does not name the Bundle %s and the verification error, or has no fix:\n%s", bundle, text.String())
	}
	t.Logf("doctor:\nroot cause: %s\nfix: %s", cause.Reason, cause.Fix)
}

// restoreUpstreamTrust puts the Bundle's sources back and waits until the
// workload's request is intercepted and answered 200 again.
func (s *suiteState) restoreUpstreamTrust(ctx context.Context, t *testing.T, b *brokenTrust) {
	t.Helper()
	ctx = context.WithoutCancel(ctx)
	if err := s.setBundleSources(ctx, b.bundle, b.sources); err != nil {
		t.Errorf("restore Bundle %s: %v", b.bundle, err)
		return
	}
	if err := s.waitTrustCopy(ctx, b, false); err != nil {
		t.Errorf("restore: %v", err)
		return
	}
	p := s.prober(ctx, t, s.workload)
	var last probe.Result
	err := wait.PollUntilContextTimeout(ctx, upstreamProbeInterval, s.opts.rotationTimeout, true, func(ctx context.Context) (bool, error) {
		r, err := p.Probe(ctx, githubMeta.probeRequest(s.opts.probeTimeout))
		last = r
		return err == nil && r.Expectation == probe.Intercepted && r.HTTPCode == 200, nil
	})
	if err != nil {
		t.Errorf("after restoring Bundle %s, GET https://%s%s is %s, http %d (%q), not intercepted with 200 within %s",
			b.bundle, githubHost, githubPath, last.Expectation, last.HTTPCode, strings.TrimSpace(last.Body), s.opts.rotationTimeout)
	}
}

// certsOf parses the PEM certificates of text.
func certsOf(text []byte) []*x509.Certificate {
	var out []*x509.Certificate
	for {
		var block *pem.Block
		block, text = pem.Decode(text)
		if block == nil {
			return out
		}
		if c, err := x509.ParseCertificate(block.Bytes); err == nil {
			out = append(out, c)
		}
	}
}

// privateCA makes a CA no server chains to: a company's own root, say.
func privateCA() (*x509.Certificate, string, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, "", err
	}
	now := time.Now()
	tpl := &x509.Certificate{SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{CommonName: "upstream-trust scenario private CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		return nil, "", fmt.Errorf("make a private CA: %w", err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, "", err
	}
	return c, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), nil
}
