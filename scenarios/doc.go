// Package scenarios proves, from inside a pod with a real curl, that Cilium
// intercepts the sandbox's egress TLS: e2e-framework features labelled
// scenario=<id>, with the IDs of sandbox/scenario (the list the version
// matrix runs and tabulates), run
// against the kind sandbox (built or reused through the sandbox library), an
// existing cluster, or the hermetic control plane.
//
//	go test ./scenarios -args --provider=kind --upstream=local
//	go test ./scenarios -args --kubeconfig ~/.kube/config --labels scenario=intercept
//
// Without a Docker daemon and without --kubeconfig every scenario skips,
// saying what it needs. The code is in the package's test files; this file
// only documents it.
package scenarios
