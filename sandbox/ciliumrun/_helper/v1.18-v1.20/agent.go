package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"

	"github.com/cilium/hive/cell"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	cmtypes "github.com/cilium/cilium/pkg/clustermesh/types"
	"github.com/cilium/cilium/pkg/crypto/certificatemanager"
	"github.com/cilium/cilium/pkg/endpointstate"
	"github.com/cilium/cilium/pkg/envoy"
	envoypolicy "github.com/cilium/cilium/pkg/envoy/policy"
	"github.com/cilium/cilium/pkg/fqdn/namemanager"
	ciliumhive "github.com/cilium/cilium/pkg/hive"
	"github.com/cilium/cilium/pkg/ipcache"
	k8sclient "github.com/cilium/cilium/pkg/k8s/client"
	k8stestutils "github.com/cilium/cilium/pkg/k8s/client/testutils"
	slimcorev1 "github.com/cilium/cilium/pkg/k8s/slim/k8s/api/core/v1"
	"github.com/cilium/cilium/pkg/node"
	nodetypes "github.com/cilium/cilium/pkg/node/types"
	"github.com/cilium/cilium/pkg/option"
	policycell "github.com/cilium/cilium/pkg/policy/cell"
	"github.com/cilium/cilium/pkg/promise"
	"github.com/cilium/cilium/pkg/proxy/accesslog"
	"github.com/cilium/cilium/pkg/proxy/proxyports"
)

// nodeIPv4 is the stand-in node's address.
const nodeIPv4 = "172.18.0.2"

// agent is the part of Cilium's agent that turns policies, secrets and DNS
// answers into what Envoy is given, running in this process in Cilium's
// hive, with Cilium's fake clientset standing in for the API server.
type agent struct {
	h      *ciliumhive.Hive
	log    *slog.Logger
	runDir string
	// cache keeps the endpoints' selector policies between views (cluster
	// mode); nil computes them afresh each time.
	cache *selectorPolicyCache

	cs         k8sclient.Clientset
	certs      certificatemanager.CertificateManager
	secrets    certificatemanager.SecretManager
	l7         envoypolicy.EnvoyL7RulesTranslator
	xds        envoy.XDSServer
	proxy      proxyConfig
	ports      proxyports.ProxyPortsConfig
	cluster    cmtypes.ClusterInfo
	policyCfg  cmtypes.PolicyConfig
	identities *identities
}

// apiServer is how the agent's cells reach the API server: the cells
// providing its k8sclient.Clientset, and the settings they need.
type apiServer struct {
	cells  []cell.Cell
	config ciliumConfig
}

// fakeAPIServer is Cilium's fake clientset holding the secrets and
// namespaces given before anything starts (manifests mode).
func fakeAPIServer(secrets []*corev1.Secret, namespaces []*corev1.Namespace) apiServer {
	return apiServer{cells: []cell.Cell{
		k8stestutils.FakeClientCell(),
		cell.Invoke(func(lc cell.Lifecycle, cs *k8stestutils.FakeClientset) {
			lc.Append(cell.Hook{OnStart: func(hc cell.HookContext) error { return seed(hc, cs, secrets, namespaces) }})
		}),
	}}
}

// realAPIServer is Cilium's own Kubernetes client reaching the API server
// of kubeconfig, as the agent's k8s-kubeconfig-path flag makes it (cluster
// mode).
func realAPIServer(kubeconfig string) apiServer {
	return apiServer{cells: []cell.Cell{k8sclient.Cell}, config: ciliumConfig{option.K8sKubeConfigPath: kubeconfig}}
}

// startAgent starts Cilium's certificate manager, its Envoy cell (xDS
// server, SDS secret syncer, L7 rules translator) and the identity
// machinery (identities.go), configured from cfg, reaching api.
func startAgent(ctx context.Context, logger *slog.Logger, cfg ciliumConfig, runDir string, api apiServer) (*agent, error) {
	a := &agent{log: logger, runDir: runDir}
	a.h = ciliumhive.New(
		cell.Group(api.cells...),
		certificatemanager.Cell,
		envoy.Cell,
		cell.Config(cmtypes.DefaultClusterInfo),
		cell.Config(cmtypes.DefaultPolicyConfig),
		cell.Config(proxyports.ProxyPortsConfig{}),
		// namemanager.Cell's configuration (its default, unexported there).
		cell.Config(namemanager.NameManagerLocalConfig{ToFQDNsPreAllocate: true}),
		// pkg/policy/cell's configuration, with its defaults (unexported there).
		cell.Config(policycell.Config{EnableWellKnownIdentities: true, PolicyQueueSize: 100}),
		cell.Provide(
			func() *option.DaemonConfig { return option.Config },
			restoredEndpoints,
			standInLocalNode,
			func() accesslog.ProxyAccessLogger { return discardAccessLog{} },
			newIdentities,
			func(ids *identities) *ipcache.IPCache { return ids.ipc },
		),
		cell.Invoke(a.take),
	)
	over := ciliumConfig{"disable-envoy-version-check": "true"}.with(api.config)
	if err := cfg.apply(a.h, over); err != nil {
		return nil, err
	}
	if err := a.h.Start(logger, ctx); err != nil {
		return nil, fmt.Errorf("start the agent's cells: %w", errors.Join(err, a.h.Stop(logger, context.WithoutCancel(ctx))))
	}
	return a, nil
}

func (a *agent) take(cs k8sclient.Clientset, cm certificatemanager.CertificateManager, sm certificatemanager.SecretManager,
	l7 envoypolicy.EnvoyL7RulesTranslator, xds envoy.XDSServer, pc proxyConfig, pp proxyports.ProxyPortsConfig,
	ci cmtypes.ClusterInfo, pol cmtypes.PolicyConfig, ids *identities) {
	a.cs, a.certs, a.secrets, a.l7, a.xds, a.proxy, a.ports = cs, cm, sm, l7, xds, pc, pp
	a.cluster, a.policyCfg, a.identities = ci, pol, ids
}

// stop stops the agent's cells.
func (a *agent) stop(ctx context.Context) error {
	return a.h.Stop(a.log, ctx)
}

// xdsSocket is where the agent's xDS server listens.
func (a *agent) xdsSocket() string { return xdsSocketPath(a.runDir) }

// adsMode says whether the agent serves xDS over one aggregated stream.
func (a *agent) adsMode() bool { return adsModeOf(a.proxy) }

// seed creates the manifests' namespaces and secrets in the fake
// clientset, in both of its object domains: the typed Kubernetes client's
// (which the certificate manager reads from) and the slim client's (which
// the SDS secret syncer watches); an API server holds one copy for both.
func seed(ctx context.Context, cs *k8stestutils.FakeClientset, secrets []*corev1.Secret, namespaces []*corev1.Namespace) error {
	for _, ns := range namespaces {
		if _, err := cs.KubernetesFakeClientset.CoreV1().Namespaces().Create(ctx, ns.DeepCopy(), metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("namespace %s: %w", ns.Name, err)
		}
		slim := &slimcorev1.Namespace{}
		if err := convert(ns, slim); err != nil {
			return err
		}
		if _, err := cs.SlimFakeClientset.CoreV1().Namespaces().Create(ctx, slim, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("namespace %s: %w", ns.Name, err)
		}
	}
	for _, s := range secrets {
		c := s.DeepCopy()
		c.ResourceVersion = ""
		if _, err := cs.KubernetesFakeClientset.CoreV1().Secrets(s.Namespace).Create(ctx, c, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("secret %s/%s: %w", s.Namespace, s.Name, err)
		}
		slim := &slimcorev1.Secret{}
		if err := convert(c, slim); err != nil {
			return err
		}
		if _, err := cs.SlimFakeClientset.CoreV1().Secrets(s.Namespace).Create(ctx, slim, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("secret %s/%s: %w", s.Namespace, s.Name, err)
		}
	}
	return nil
}

// restoredEndpoints stands in for the endpoint restorer: no endpoint ran
// before this process, so restoration is complete at once.
func restoredEndpoints() promise.Promise[endpointstate.Restorer] {
	r, p := promise.New[endpointstate.Restorer]()
	r.Resolve(noEndpointsToRestore{})
	return p
}

type noEndpointsToRestore struct{}

func (noEndpointsToRestore) WaitForEndpointRestoreWithoutRegeneration(context.Context) error {
	return nil
}
func (noEndpointsToRestore) WaitForEndpointRestore(context.Context) error { return nil }
func (noEndpointsToRestore) WaitForInitialPolicy(context.Context) error   { return nil }

// standInLocalNode stands in for the agent's local node store: one node
// with a stand-in address.
func standInLocalNode() *node.LocalNodeStore {
	return node.NewTestLocalNodeStore(node.LocalNode{Node: nodetypes.Node{
		Name:        "stand-in-node",
		IPAddresses: []nodetypes.Address{{Type: "InternalIP", IP: net.ParseIP(nodeIPv4)}},
	}})
}

// discardAccessLog stands in for the proxy access logger: no traffic flows
// (its NewLogRecord, whose signature changed in 1.19, is in compat.go).
type discardAccessLog struct{}

func (discardAccessLog) Log(*accesslog.LogRecord) {}

// removeRunDir removes the agent's run directory.
func removeRunDir(dir string) error {
	if dir == "" || dir == string(filepath.Separator) {
		return nil
	}
	return os.RemoveAll(dir)
}
