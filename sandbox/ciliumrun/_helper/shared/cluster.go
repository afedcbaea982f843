package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun/wire"
)

// clusterMode is a release's operator and agent running against a real API
// server (cluster mode), as its glue starts them.
type clusterMode interface {
	// view computes the agent's view of a workload after DNS answers.
	view(ctx context.Context, in *wire.ViewRequest) (*wire.ClusterView, error)
	// secrets lists the SDS secrets the agent's xDS server serves.
	secrets(ctx context.Context, keep bool) ([]wire.SDSSecret, error)
	// stop stops what start started.
	stop(ctx context.Context) error
}

// clusterStarter is implemented by the glue of a release that runs in
// cluster mode: a method of session in that glue. A helper whose glue
// lacks it answers cluster mode's operations with an error saying so.
type clusterStarter interface {
	// startCluster starts them with cfg, the cluster's cilium-config
	// with the request's overrides set.
	startCluster(ctx context.Context, in *wire.StartRequest, cfg map[string]string) (clusterMode, *wire.Started, error)
}

// handleCluster answers cluster mode's operations.
func (s *session) handleCluster(ctx context.Context, req wire.Request) wire.Response {
	if req.Op == wire.OpStart {
		started, err := s.start(ctx, req.Start)
		if err != nil {
			return wire.Response{Error: err.Error()}
		}
		return wire.Response{Started: started}
	}
	if s.cluster == nil {
		return wire.Response{Error: fmt.Sprintf("operation %q needs cluster mode: send %q first", req.Op, wire.OpStart)}
	}
	switch req.Op {
	case wire.OpView:
		if req.View == nil {
			return wire.Response{Error: "view request without its input"}
		}
		v, err := s.cluster.view(ctx, req.View)
		if err != nil {
			return wire.Response{Error: err.Error()}
		}
		return wire.Response{View: v}
	case wire.OpSecrets:
		keep := req.Secrets != nil && req.Secrets.IncludeSecretValues
		out, err := s.cluster.secrets(ctx, keep)
		if err != nil {
			return wire.Response{Error: err.Error()}
		}
		return wire.Response{Secrets: out}
	case wire.OpWaitSecret:
		if req.WaitSecret == nil {
			return wire.Response{Error: "waitSecret request without its input"}
		}
		out, err := waitSecret(ctx, s.cluster, req.WaitSecret)
		if err != nil {
			return wire.Response{Error: err.Error()}
		}
		return wire.Response{Secrets: out}
	}
	return wire.Response{Error: fmt.Sprintf("operation %q is not implemented by this helper", req.Op)}
}

// start reads the cluster's cilium-config and starts the glue's cluster
// mode with it.
func (s *session) start(ctx context.Context, in *wire.StartRequest) (*wire.Started, error) {
	if in == nil || in.Kubeconfig == "" {
		return nil, errors.New("start request without a kubeconfig")
	}
	if s.cluster != nil {
		return nil, errors.New("cluster mode is already started in this helper")
	}
	starter, ok := any(s).(clusterStarter)
	if !ok {
		return nil, errors.New("this release's helper glue does not implement cluster mode")
	}
	cfg, err := readClusterConfig(ctx, in.Kubeconfig)
	if err != nil {
		return nil, err
	}
	for k, v := range in.Config {
		cfg[k] = v
	}
	c, started, err := starter.startCluster(ctx, in, cfg)
	if err != nil {
		return nil, err
	}
	s.cluster = c
	s.closers = append(s.closers, c.stop)
	return started, nil
}

// The ConfigMap Cilium's chart writes the agent's and operator's
// configuration into, mounted as their --config-dir.
const (
	configMapNamespace = "kube-system"
	configMapName      = "cilium-config"
)

// readClusterConfig reads the cilium-config ConfigMap through kubeconfig.
func readClusterConfig(ctx context.Context, kubeconfig string) (map[string]string, error) {
	rc, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig %s: %w", kubeconfig, err)
	}
	cs, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil, err
	}
	cm, err := cs.CoreV1().ConfigMaps(configMapNamespace).Get(ctx, configMapName, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("read %s/%s (installed by Cilium's chart): %w", configMapNamespace, configMapName, err)
	}
	out := map[string]string{}
	for k, v := range cm.Data {
		out[k] = v
	}
	return out, nil
}

// waitSecret polls the agent's SDS until in.Name is served at a version
// other than in.NotVersion; a timeout says what was served last.
func waitSecret(ctx context.Context, c clusterMode, in *wire.WaitSecretRequest) ([]wire.SDSSecret, error) {
	timeout := time.Duration(in.TimeoutSeconds) * time.Second
	if timeout <= 0 {
		return nil, fmt.Errorf("waitSecret %s: timeoutSeconds %d, want a positive number", in.Name, in.TimeoutSeconds)
	}
	var got []wire.SDSSecret
	last := "not served"
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		all, err := c.secrets(ctx, in.IncludeSecretValues)
		if err != nil {
			return false, err
		}
		for _, s := range all {
			if s.Name != in.Name {
				continue
			}
			last = "served at version " + s.Version
			if s.Version != in.NotVersion {
				got = []wire.SDSSecret{s}
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		return nil, fmt.Errorf("SDS secret %s not served at a version other than %q within %s (%s): %w", in.Name, in.NotVersion, timeout, last, err)
	}
	return got, nil
}
