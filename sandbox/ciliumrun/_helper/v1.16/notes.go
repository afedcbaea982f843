package main

import (
	"context"
	"strconv"

	"github.com/cilium/cilium/pkg/defaults"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun/wire"
)

// standIns names what stands in for what in this helper.
func standIns() []string {
	return []string{
		"API server: Cilium's fake clientset, holding the manifests",
		"endpoints: a stand-in per workload with a made-up ID and address; its identity comes from Cilium's allocator",
		"kube-dns: a pod labelled k8s-app=kube-dns in kube-system, at " + kubeDNSAddress,
		"DNS proxy: each answer is handed to Cilium's name manager as the DNS proxy hands it an allowed response",
		proxyPortsStandIn,
		"Envoy: an xDS client reads what the agent's xDS server serves; nothing applies it",
	}
}

// settings are the agent's settings as configured: 1.16's Envoy cell
// keeps its configuration type unexported, so use-full-tls-context is
// shown as cilium-config gives it (the xDS server reads the same flag).
func (a *agent) settings(cfg ciliumConfig) []wire.Setting {
	return []wire.Setting{
		{Key: "use-full-tls-context", Value: strconv.FormatBool(cfg.boolean("use-full-tls-context", false))},
		{Key: "envoy-xds-mode", Value: "split (the only mode before 1.20)"},
		{Key: "policy secrets", Value: "read by the agent from the policy's namespace (no SDS before 1.17)"},
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

// sdsNames are the SDS names the agent serves for policies: none before
// 1.17, which inlines the secrets into NPDS.
func (a *agent) sdsNames() []string { return nil }
