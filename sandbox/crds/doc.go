// Package crds holds the CustomResourceDefinitions the sandbox validates
// against offline and installs into a hermetic API server: Cilium's (embedded
// by Cilium's own Go module), cert-manager's and trust-manager's (copied into
// files/ by `go generate`, because Go cannot embed from the module cache).
//
// Every call parses the embedded YAML again, so callers own what they get
// and may change it.
package crds
