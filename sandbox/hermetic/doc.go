// Package hermetic runs a real kube-apiserver and etcd (built from Go
// modules) with cert-manager's controllers in-process, so the chart can be
// installed for real and certificates really issued without Docker.
package hermetic
