package main

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/cilium/cilium/pkg/defaults"
	"strconv"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun/wire"
)

// standIns names what stands in for what in this helper.
func standIns() []string {
	return []string{
		"API server: Cilium's fake clientset (agent) and controller-runtime's fake client (operator), holding the manifests; the operator's fake refuses a change of a Secret's type as the API server does",
		"operator's controller-runtime manager: each request its watches enqueue at start is reconciled once",
		"endpoints: a stand-in per workload with a made-up ID and address; its identity comes from Cilium's allocator",
		"kube-dns: a pod labelled k8s-app=kube-dns in kube-system, at " + kubeDNSAddress,
		"DNS proxy: each answer is handed to Cilium's name manager as the DNS proxy hands it an allowed response",
		"proxy ports: Cilium's proxy port table names them; the numbers are picked here",
		"Envoy: an xDS client reads what the agent's xDS server serves; nothing applies it",
	}
}

// settings are the agent's settings as read.
func (a *agent) settings() []wire.Setting {
	return []wire.Setting{
		{Key: "use-full-tls-context", Value: strconv.FormatBool(a.proxy.UseFullTLSContext)},
		{Key: "envoy-xds-mode", Value: "split (the only mode before 1.20)"},
		{Key: "policy-secrets-only-from-secrets-namespace", Value: strconv.FormatBool(a.secrets.SecretsOnlyFromSecretsNamespace())},
	}
}

// fetchXDS reads what the agent's xDS server serves for v's endpoint.
// The listeners name the access log socket under the agent's run
// directory, a temporary one here: it is shown as the agent's default,
// defaults.RuntimePath.
func (a *agent) fetchXDS(ctx context.Context, v *wire.WorkloadView, listeners, sds []string, keep bool) error {
	if err := fetchXDS(ctx, a.xdsSocket(), a.adsMode(), v, listeners, sds, keep); err != nil {
		return err
	}
	relocate(v, a.runDir, defaults.RuntimePath)
	return nil
}

// sdsNames are the SDS names the agent's secret syncer serves: every
// secret of the secrets namespace, watched when the agent reads secrets
// only from there (pkg/envoy registerSecretSyncer), named "namespace/name"
// (pkg/envoy secretsync.go). They are listed from the API server.
func (a *agent) sdsNames(ctx context.Context) ([]string, error) {
	ns := a.secrets.GetSecretSyncNamespace()
	if !a.secrets.SecretsOnlyFromSecretsNamespace() || ns == "" {
		return nil, nil
	}
	list, err := a.cs.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list the secrets of %s: %w", ns, err)
	}
	var out []string
	for _, s := range list.Items {
		out = append(out, s.Namespace+"/"+s.Name)
	}
	return out, nil
}
