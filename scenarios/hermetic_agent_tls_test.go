//go:build linux

package scenarios

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"sigs.k8s.io/e2e-framework/pkg/features"

	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/agent"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/probe"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/upstream"
)

// handshakeTimeout bounds one in-memory TLS handshake.
const handshakeTimeout = 10 * time.Second

func (a *agentTier) featureHandshakes() features.Feature {
	return agentFeature("handshakes with exactly those secrets, Go's crypto/tls standing in for Envoy", "wildcard-groups").
		Assess("a client trusting only the workload's CA bundle verifies every intercepted name; a name in no group fails", timed(func(ctx context.Context, t *testing.T) {
			in, v := a.workloadView(ctx, t)
			a.workloadCopies(ctx, t) // the SDS secrets exist once the copies do
			roots, err := probe.CAFromConfigMap(ctx, a.h.kube, intercept.WorkloadNamespace, caBundleConfigMap, caBundleKey)
			if err != nil {
				t.Fatal(err)
			}
			envoy := in.envoy(v, a.c.Agent.SDS)
			for _, g := range slices.Sorted(maps.Keys(groupHosts)) {
				for _, host := range groupHosts[g] {
					a.assertDownstream(ctx, t, envoy, roots, host)
				}
			}
			a.assertOutsideRefused(ctx, t, envoy, roots)
		})).
		Assess("the validation context's CA verifies the fake upstream's chain for api.github.com and refuses an unknown CA's", timed(func(ctx context.Context, t *testing.T) {
			in, v := a.workloadView(ctx, t)
			a.workloadCopies(ctx, t)
			envoy := in.envoy(v, a.c.Agent.SDS)
			client, name, err := envoy.UpstreamConfig(githubHost, 443)
			if err != nil {
				t.Fatal(err)
			}
			if err := handshake(ctx, serverOf(t, a.certs), client); err != nil {
				t.Errorf("upstream %s with the fake upstream's chain: %v", githubHost, err)
			} else {
				t.Logf("upstream %s: the fake upstream's chain verifies against SDS %s", githubHost, name)
			}
			unknown, err := upstream.NewCerts(testHosts(), time.Now())
			if err != nil {
				t.Fatal(err)
			}
			err = handshake(ctx, serverOf(t, unknown), client)
			if !errors.As(err, new(x509.UnknownAuthorityError)) {
				t.Errorf("upstream %s with a chain of an unknown CA: err = %v, want x509.UnknownAuthorityError", githubHost, err)
			} else {
				t.Logf("upstream %s with an unknown CA's chain: %v", githubHost, err)
			}
		})).Feature()
}

// assertDownstream handshakes, as the workload's client trusting only
// roots, with the certificate Envoy would present for host.
func (a *agentTier) assertDownstream(ctx context.Context, t *testing.T, envoy *agent.EnvoyStandIn, roots *x509.CertPool, host string) {
	t.Helper()
	srv, name, err := envoy.ServerConfig(host, 443)
	if err != nil {
		t.Errorf("Envoy stand-in for %s: %v", host, err)
		return
	}
	if err := handshake(ctx, srv, &tls.Config{RootCAs: roots, ServerName: host, MinVersion: tls.VersionTLS12}); err != nil {
		t.Errorf("%s: handshake with SDS %s: %v", host, name, err)
		return
	}
	t.Logf("%s: served SDS %s, verified against the workload's CA bundle only", host, name)
}

// assertOutsideRefused checks that a name in no group gets no certificate
// from Envoy (it has no FQDN identity, so no NPDS rule), and that no
// group's certificate verifies for it.
func (a *agentTier) assertOutsideRefused(ctx context.Context, t *testing.T, envoy *agent.EnvoyStandIn, roots *x509.CertPool) {
	t.Helper()
	if _, _, err := envoy.ServerConfig(deniedHost, 443); err == nil {
		t.Errorf("Envoy stand-in has a certificate for %s, a name in no group", deniedHost)
	} else {
		t.Logf("%s: %v", deniedHost, err)
	}
	for _, g := range slices.Sorted(maps.Keys(groupHosts)) {
		srv, _, err := envoy.ServerConfig(groupHosts[g][0], 443)
		if err != nil {
			continue // reported by assertDownstream
		}
		err = handshake(ctx, srv, &tls.Config{RootCAs: roots, ServerName: deniedHost, MinVersion: tls.VersionTLS12})
		if !errors.As(err, new(x509.HostnameError)) {
			t.Errorf("group %s's certificate for %s: err = %v, want a hostname mismatch", g, deniedHost, err)
		}
	}
}

// handshake runs agent.Handshake bounded by handshakeTimeout.
func handshake(ctx context.Context, server, client *tls.Config) error {
	ctx, cancel := context.WithTimeout(ctx, handshakeTimeout)
	defer cancel()
	return agent.Handshake(ctx, server, client)
}

// serverOf is a TLS server presenting the fake upstream's chain.
func serverOf(t *testing.T, c *upstream.Certs) *tls.Config {
	t.Helper()
	cert, err := tls.X509KeyPair(c.CertPEM, c.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
}
