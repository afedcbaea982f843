// Package assets builds and locates the hermetic control plane's binaries:
// kube-apiserver and etcd compiled from the Go module proxy, once per
// machine, into a cache directory keyed by their versions. It is separate
// from package hermetic so the builder links in seconds.
package assets
