// Package sandbox brings the interception sandbox up and down: a kind
// cluster with Cilium (L7 proxy, Envoy DaemonSet, secret sync), cert-manager,
// trust-manager, the cilium-tls-intercept chart and a test workload.
//
// Up runs an ordered list of small named steps; each looks before it acts,
// so a second Up changes nothing, and each is timed.
package sandbox
