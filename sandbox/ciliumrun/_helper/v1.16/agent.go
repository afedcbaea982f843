package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/cilium/hive/cell"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	cmtypes "github.com/cilium/cilium/pkg/clustermesh/types"
	"github.com/cilium/cilium/pkg/crypto/certificatemanager"
	"github.com/cilium/cilium/pkg/endpointstate"
	"github.com/cilium/cilium/pkg/envoy"
	ciliumhive "github.com/cilium/cilium/pkg/hive"
	"github.com/cilium/cilium/pkg/ipcache"
	k8sclient "github.com/cilium/cilium/pkg/k8s/client"
	slimcorev1 "github.com/cilium/cilium/pkg/k8s/slim/k8s/api/core/v1"
	"github.com/cilium/cilium/pkg/option"
	"github.com/cilium/cilium/pkg/promise"
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

	cs         k8sclient.Clientset
	certs      certificatemanager.CertificateManager
	secrets    certificatemanager.SecretManager
	xds        envoy.XDSServer
	cluster    cmtypes.ClusterInfo
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
		k8sclient.FakeClientCell,
		cell.Invoke(func(lc cell.Lifecycle, cs *k8sclient.FakeClientset) {
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
// server) and the identity machinery (identities.go), configured from
// cfg, reaching api.
func startAgent(ctx context.Context, logger *slog.Logger, cfg ciliumConfig, runDir string, api apiServer) (*agent, error) {
	a := &agent{log: logger, runDir: runDir}
	a.h = ciliumhive.New(
		cell.Group(api.cells...),
		certificatemanager.Cell,
		envoy.Cell,
		cell.Config(cmtypes.DefaultClusterInfo),
		cell.Provide(
			func() *option.DaemonConfig { return option.Config },
			restoredEndpoints,
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
	xds envoy.XDSServer, ci cmtypes.ClusterInfo, ids *identities) {
	a.cs, a.certs, a.secrets, a.xds, a.cluster, a.identities = cs, cm, sm, xds, ci, ids
}

// stop stops the agent's cells.
func (a *agent) stop(ctx context.Context) error { return a.h.Stop(a.log, ctx) }

// xdsSocket is where the agent's xDS server listens (pkg/envoy
// GetSocketDir, and getXDSSocketPath's "xds.sock", unexported).
func (a *agent) xdsSocket() string { return filepath.Join(envoy.GetSocketDir(a.runDir), "xds.sock") }

// adsMode is false: 1.16's xDS server has a stream per resource type only.
func (a *agent) adsMode() bool { return false }

// seed creates the manifests' namespaces and secrets in the fake
// clientset, in both of its object trackers: the typed Kubernetes client's
// (which the certificate manager reads from) and the slim client's (which
// the SDS secret syncer watches); an API server holds one copy for both.
func seed(ctx context.Context, cs *k8sclient.FakeClientset, secrets []*corev1.Secret, namespaces []*corev1.Namespace) error {
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
// before this process, so restoration is complete at once
// (noEndpointsToRestore, compat_*_1_16_5.go).
func restoredEndpoints() promise.Promise[endpointstate.Restorer] {
	r, p := promise.New[endpointstate.Restorer]()
	r.Resolve(noEndpointsToRestore{})
	return p
}

type noEndpointsToRestore struct{}

// removeRunDir removes the agent's run directory.
func removeRunDir(dir string) error {
	if dir == "" || dir == string(filepath.Separator) {
		return nil
	}
	return os.RemoveAll(dir)
}
