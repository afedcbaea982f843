package cilium

import (
	"strings"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
	"github.com/cilium-tls-intercept/sandbox/sandbox/release"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// Where and how Cilium is installed.
const (
	// ChartRepo is Cilium's Helm chart repository.
	ChartRepo = "https://helm.cilium.io"
	// ChartName is the chart's name in ChartRepo.
	ChartName = "cilium"
	// ReleaseName is the Helm release's name.
	ReleaseName = "cilium"
	// Namespace is where Cilium is installed.
	Namespace = "kube-system"
	// APIServerPort is the port kind's API server listens on inside the
	// cluster network.
	APIServerPort = 6443
)

// ValuesInput is what the values depend on besides the Cilium release.
type ValuesInput struct {
	// ClusterName is the kind cluster's name; the agent reaches the API
	// server at <ClusterName>-control-plane because there is no kube-proxy
	// to serve the kubernetes Service before Cilium runs.
	ClusterName string
	// RedactHeaders are request headers Hubble must show redacted besides
	// RedactedHeaders: those the interception chart sets from secrets.
	RedactHeaders []string
}

// RedactedHeaders are the request headers whose values Hubble's flows show
// as HUBBLE_REDACTED, whatever the chart's values: credentials a workload or
// the chart's secretHeaders may send.
func RedactedHeaders() []string { return []string{"Authorization", "Proxy-Authorization", "Cookie"} }

// Values returns the Helm values for Cilium release v on kind.
//
// DNS on kind: with BPF host routing, pod traffic skips the node's iptables
// rules that send DNS to Docker's embedded resolver, so CoreDNS cannot
// resolve external names (Cilium's contrib/scripts/kind.sh, citing
// cilium/cilium#23330). Cilium's kind CI patches
// CoreDNS to a public resolver; the sandbox sets bpf.hostLegacyRouting
// instead, which keeps Docker's resolver (and so works where public
// resolvers are blocked) and does not change what the L7 proxy sees.
func Values(v versions.Cilium, in ValuesInput) map[string]any {
	vals := map[string]any{
		"l7Proxy":              true,
		"envoy":                map[string]any{"enabled": true},
		"kubeProxyReplacement": true,
		"k8sServiceHost":       in.ClusterName + "-control-plane",
		"k8sServicePort":       APIServerPort,
		"ipam":                 map[string]any{"mode": "kubernetes"},
		"image":                map[string]any{"pullPolicy": "IfNotPresent"},
		"operator":             map[string]any{"replicas": 1},
		"bpf":                  map[string]any{"hostLegacyRouting": true},
		"hubble": map[string]any{
			"enabled": true,
			"relay":   map[string]any{"enabled": true},
			"redact":  redactValues(in.RedactHeaders),
		},
		"tls": tlsValues(v),
	}
	return vals
}

// redactValues makes Hubble show the values of RedactedHeaders and extra
// as HUBBLE_REDACTED in its HTTP flows: Envoy's access log records the
// request headers after its header matches ran (cilium/proxy
// l7policy.cc: "the policy may have altered them"), so a header set from
// a secret would otherwise be in every flow. Cilium's chart writes
// hubble-redact-enabled and hubble-redact-http-headers-deny into
// cilium-config (1.16 to 1.20), which the agent's Hubble parser reads
// (pkg/hubble/parser/seven filterHeader).
func redactValues(extra []string) map[string]any {
	seen := map[string]bool{}
	var deny []any
	for _, h := range append(RedactedHeaders(), extra...) {
		if k := strings.ToLower(h); !seen[k] {
			seen[k] = true
			deny = append(deny, h)
		}
	}
	return map[string]any{"enabled": true, "http": map[string]any{"headers": map[string]any{"deny": deny}}}
}

// tlsValues makes the agent able to read the secrets TLS policies name. The
// 1.16 agent always GETs them from the API server (after looking for files
// under ciliumtls.CertsDir); tls.secretsBackend=k8s is what grants its
// ClusterRole that get on secrets. 1.17 and later read only from the secrets
// namespace and serve secrets to Envoy over SDS, which needs both read-only
// mode and secret sync.
func tlsValues(v versions.Cilium) map[string]any {
	if ciliumtls.ModeOf(v) == ciliumtls.ModeK8sBackend {
		return map[string]any{"secretsBackend": "k8s"}
	}
	return map[string]any{
		"readSecretsOnlyFromSecretsNamespace": true,
		"secretSync":                          map[string]any{"enabled": true},
		"secretsNamespace":                    map[string]any{"create": true, "name": ciliumtls.SecretsNamespace},
	}
}

// Chart is where Cilium release v's chart comes from; the Go module cache
// holds the same chart for the cilium module version in go.mod.
func Chart(v versions.Cilium) release.Source {
	return release.Source{
		Name: ChartName, Repo: ChartRepo, Version: v.String(),
		Module: &release.ModuleChart{Path: "github.com/cilium/cilium", Version: "v" + v.String(), Dir: "install/kubernetes/cilium"},
	}
}
