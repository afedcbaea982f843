// Package cilium knows how the sandbox installs Cilium: the chart's
// repository, the version-aware Helm values that make TLS interception work
// on kind (L7 proxy, Envoy DaemonSet, the way the agent reads policy secrets,
// kube-proxy replacement, Hubble relay), and when the installation is ready.
//
// Those values are also what an existing cluster's Cilium is held to:
// ReadRunning reads a running Cilium from its own objects (the release from
// the agent image, cilium-config, the agent's ClusterRole, Envoy and Hubble
// Relay), and CheckRunning names each need of interception it lacks with
// the chart values, from Values, that would add it, and the one helm
// upgrade line that sets them all on the running release.
package cilium
