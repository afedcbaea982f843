// Package cilium knows how the sandbox installs Cilium: the chart's
// repository, the version-aware Helm values that make TLS interception work
// on kind (L7 proxy, Envoy DaemonSet, the way the agent reads policy secrets,
// kube-proxy replacement, Hubble relay), and when the installation is ready.
package cilium
