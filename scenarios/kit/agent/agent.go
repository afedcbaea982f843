//go:build linux

package agent

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/cilium/hive/cell"

	cmtypes "github.com/cilium/cilium/pkg/clustermesh/types"
	"github.com/cilium/cilium/pkg/crypto/certificatemanager"
	"github.com/cilium/cilium/pkg/envoy"
	envoyconfig "github.com/cilium/cilium/pkg/envoy/config"
	envoypolicy "github.com/cilium/cilium/pkg/envoy/policy"
	k8sclient "github.com/cilium/cilium/pkg/k8s/client"
)

// Agent is the part of Cilium's agent that turns policies and secrets into
// what Envoy is given, running in-process.
type Agent struct {
	// Certificates is the agent's certificate manager, which resolves the
	// policies' TLS contexts (inline secrets, or SDS references).
	Certificates certificatemanager.CertificateManager
	// Secrets says where the certificate manager reads secrets and whether
	// they reach Envoy over SDS.
	Secrets certificatemanager.SecretManager
	// L7 is Envoy's L7 rules translator of the agent.
	L7 envoypolicy.EnvoyL7RulesTranslator
	// Proxy is the agent's Envoy configuration.
	Proxy envoyconfig.ProxyConfig
	// Clientset is the agent's Kubernetes client.
	Clientset k8sclient.Clientset
	// Cluster is the agent's cluster name and ID; Policies says whether
	// policies select the local cluster by default.
	Cluster  cmtypes.ClusterInfo
	Policies cmtypes.PolicyConfig
	// SDS holds the secrets the agent's SDS syncer gave the xDS server.
	SDS *SDSSecrets
	// Config is the configuration the agent was started with.
	Config Config

	p       *process
	certDir string
}

// StartAgent starts Cilium's Kubernetes client, certificate manager and
// Envoy cell, with the Envoy cell's xDS server replaced by an SDSSecrets,
// configured from o.Config (policy-secrets-namespace,
// policy-secrets-only-from-secrets-namespace, enable-policy-secrets-sync,
// use-full-tls-context, ...). The certificates-directory is an empty
// directory of its own and the Envoy version check is off (no Envoy runs).
func StartAgent(ctx context.Context, o Options) (*Agent, error) {
	dir, err := emptyDir()
	if err != nil {
		return nil, err
	}
	a := &Agent{SDS: newSDSSecrets(), certDir: dir}
	o.Overrides = Config{
		"certificates-directory":      dir,
		"disable-envoy-version-check": "true",
	}.With(o.Overrides)
	a.Config = o.Config.With(o.Overrides)
	a.p, err = startHive(ctx, o,
		k8sclient.Cell,
		certificatemanager.Cell,
		cell.Config(cmtypes.DefaultClusterInfo),
		cell.Config(cmtypes.DefaultPolicyConfig),
		cell.Decorate(func() envoy.XDSServer { return a.SDS }, envoy.Cell),
		cell.Invoke(a.take),
	)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("cilium agent: %w", err), os.RemoveAll(dir))
	}
	return a, nil
}

// take keeps the agent's objects the views need.
func (a *Agent) take(cm certificatemanager.CertificateManager, sm certificatemanager.SecretManager,
	l7 envoypolicy.EnvoyL7RulesTranslator, pc envoyconfig.ProxyConfig, cs k8sclient.Clientset,
	ci cmtypes.ClusterInfo, pol cmtypes.PolicyConfig) {
	a.Certificates, a.Secrets, a.L7, a.Proxy, a.Clientset = cm, sm, l7, pc, cs
	a.Cluster, a.Policies = ci, pol
}

// Stop stops the agent.
func (a *Agent) Stop(ctx context.Context) error {
	if a == nil {
		return nil
	}
	return errors.Join(a.p.stop(ctx), os.RemoveAll(a.certDir))
}
