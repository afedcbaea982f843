// Package pipeline brings the interception sandbox up and down: a kind
// cluster with Cilium (L7 proxy, Envoy DaemonSet, secret sync), cert-manager,
// trust-manager, the cilium-tls-intercept chart and a test workload.
//
// Up runs an ordered list of stages of small named steps, built as data
// (upStages) and run by sandbox/steps: preflight -> cluster + charts -> images ->
// cilium + cert-manager -> trust-manager -> chart -> workload. Steps of one
// stage are independent and run concurrently. Each step looks before it
// acts, so a second Up changes nothing, and each is timed; the Report holds
// every step's duration and whether it acted.
//
// BuildPlan computes what Up would do without Docker, a cluster or the
// network; GetStatus observes what exists; Down deletes the kind cluster and
// nothing else, as timed steps of its own.
package pipeline
