package scenarios

import (
	"context"
	"crypto/x509"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/e2e-framework/pkg/envconf"
	"sigs.k8s.io/e2e-framework/pkg/features"

	"github.com/cilium-tls-intercept/sandbox/sandbox/scenario"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/probe"
)

var githubMeta = request{"GET", githubHost, githubPath}

func TestIntercept(t *testing.T) {
	requireDataPath(t)
	f := features.New("intercept").WithLabel(scenario.Label, scenario.Intercept).
		Assess("api.github.com is served a leaf of the sandbox CA", func(ctx context.Context, t *testing.T, _ *envconf.Config) context.Context {
			r := suite.expect(ctx, t, suite.workload, githubMeta, probe.Intercepted)
			wantCode(t, r, 200)
			assertLeafCovers(t, r, githubHost)
			return ctx
		}).
		Assess("the served leaf is the certificate of the github group's secret", func(ctx context.Context, t *testing.T, _ *envconf.Config) context.Context {
			suite.expectServedIsSecret(ctx, t)
			return ctx
		}).Feature()
	testenv.Test(t, f)
}

// expectServedIsSecret checks that the served serial is the one in the
// github group's secret, retrying while a renewal settles.
func (s *suiteState) expectServedIsSecret(ctx context.Context, t *testing.T) {
	t.Helper()
	gc, err := findGroupCert(ctx, s.dyn, githubGroup)
	if err != nil {
		t.Fatal(err)
	}
	var served, stored string
	err = wait.PollUntilContextTimeout(ctx, 3*time.Second, settleTimeout, true, func(ctx context.Context) (bool, error) {
		r := s.expect(ctx, t, s.workload, githubMeta, probe.Intercepted)
		leaf, err := probe.LeafFromSecret(ctx, s.cs, gc.namespace, gc.secretName)
		if err != nil {
			stored = err.Error()
			return false, nil
		}
		served, stored = serialOf(r), probe.SerialHex(leaf)
		return served == stored, nil
	})
	if err != nil {
		t.Fatalf("served serial %s, secret %s holds %s: %v", served, gc.secret(), stored, err)
	}
}

func TestWildcardGroups(t *testing.T) {
	requireDataPath(t)
	f := features.New("wildcard-groups").WithLabel(scenario.Label, scenario.WildcardGroups)
	for _, host := range []string{awsHost, googleHost} {
		f = f.Assess(host+" is intercepted by its wildcard group", func(ctx context.Context, t *testing.T, _ *envconf.Config) context.Context {
			r := suite.expect(ctx, t, suite.workload, request{"GET", host, "/"}, probe.Intercepted)
			assertLeafCovers(t, r, host)
			return ctx
		})
	}
	testenv.Test(t, f.Feature())
}

func TestPassThrough(t *testing.T) {
	requireDataPath(t)
	f := features.New("pass-through").WithLabel(scenario.Label, scenario.PassThrough).
		Assess(passThroughHost+" keeps its public chain", func(ctx context.Context, t *testing.T, _ *envconf.Config) context.Context {
			requireChartValues(ctx, t, needPassThrough)
			suite.expectPublic(ctx, t, suite.workload, request{"GET", passThroughHost, "/"})
			return ctx
		}).Feature()
	testenv.Test(t, f)
}

func TestL7Deny(t *testing.T) {
	requireDataPath(t)
	f := features.New("l7-deny").WithLabel(scenario.Label, scenario.L7Deny).
		Assess("GET /meta is allowed", func(ctx context.Context, t *testing.T, _ *envconf.Config) context.Context {
			wantCode(t, suite.expect(ctx, t, suite.workload, githubMeta, probe.Intercepted), 200)
			return ctx
		}).
		Assess("POST /meta gets Envoy's 403", func(ctx context.Context, t *testing.T, _ *envconf.Config) context.Context {
			requireChartValues(ctx, t, needL7Rule)
			suite.expect(ctx, t, suite.workload, request{"POST", githubHost, githubPath}, probe.Denied403)
			return ctx
		}).
		Assess("GET of another path gets Envoy's 403", func(ctx context.Context, t *testing.T, _ *envconf.Config) context.Context {
			requireChartValues(ctx, t, needL7Rule)
			suite.expect(ctx, t, suite.workload, request{"GET", githubHost, deniedPath}, probe.Denied403)
			return ctx
		}).Feature()
	testenv.Test(t, f)
}

func TestCACrtInSecret(t *testing.T) {
	requireDataPath(t)
	f := features.New("ca-crt-in-secret").WithLabel(scenario.Label, scenario.CACrtInSecret).
		Assess("the terminating secret holds ca.crt, as cert-manager writes it", func(ctx context.Context, t *testing.T, _ *envconf.Config) context.Context {
			suite.assertSecretHasCACrt(ctx, t)
			return ctx
		}).
		Assess("handshakes still succeed without a client certificate", func(ctx context.Context, t *testing.T, _ *envconf.Config) context.Context {
			wantCode(t, suite.expect(ctx, t, suite.workload, githubMeta, probe.Intercepted), 200)
			return ctx
		}).Feature()
	testenv.Test(t, f)
}

// assertSecretHasCACrt checks that the github group's secret holds ca.crt:
// a CA certificate that the secret's own leaf chains to.
func (s *suiteState) assertSecretHasCACrt(ctx context.Context, t *testing.T) {
	t.Helper()
	gc, err := findGroupCert(ctx, s.dyn, githubGroup)
	if err != nil {
		t.Fatal(err)
	}
	ns, name := gc.namespace, gc.secretName
	sec, err := s.cs.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cas, err := probe.ParsePEM(sec.Data["ca.crt"])
	if err != nil {
		t.Fatalf("secret %s/%s: ca.crt (the key of cilium#31761): %v", ns, name, err)
	}
	chain, err := probe.ParsePEM(sec.Data["tls.crt"])
	if err != nil {
		t.Fatalf("secret %s/%s: tls.crt: %v", ns, name, err)
	}
	roots := x509.NewCertPool()
	for _, c := range cas {
		roots.AddCert(c)
	}
	if _, err := chain[0].Verify(x509.VerifyOptions{Roots: roots}); err != nil || !cas[0].IsCA {
		t.Errorf("ca.crt (CA %v) is not the issuer of tls.crt: %v", cas[0].IsCA, err)
	}
}
