// Package cluster manages the sandbox's kind cluster through kind's Go API
// (sigs.k8s.io/kind/pkg/cluster), checks Docker before anything starts, and
// writes the cluster's kubeconfig to a project-local file.
package cluster
