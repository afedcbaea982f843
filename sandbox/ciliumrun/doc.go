// Package ciliumrun runs a Cilium release's own agent and operator code
// without linking it into the sandbox binary. Each Cilium minor pins its
// own Kubernetes libraries, so one Go module cannot import two releases;
// instead a small program per release (a helper) is built on demand with
// the user's Go toolchain into a per-version cache directory, and spoken to
// in the JSON protocol of package wire over its standard input and output.
//
// The helpers' source travels inside the sandbox binary: the directory
// _helper (which the go tool ignores, so that `go build ./...` never
// compiles glue written for other releases' APIs) holds the files every
// helper shares and, per minor, the glue that calls that minor's API with
// the go.mod and go.sum of its default patch (stored as go.mod.in and
// go.sum.in: Go refuses to embed a directory holding a go.mod). The builder
// assembles a module from them and from package wire, sets the requested
// patch and builds it.
//
// Lint runs a helper once on manifests (manifests mode). StartCluster keeps
// one running against a real API server (cluster mode), for every minor:
// the release's operator syncs the policy secrets and its agent serves
// them over SDS as the cluster changes (1.16's agent reads them itself and
// puts them inline in NPDS), and each View computes a workload's policy, NPDS and
// SDS after the DNS answers given; the scenarios' agent provider runs on it.
//
// Helpers build only for Linux, as Cilium's agent does.
package ciliumrun
