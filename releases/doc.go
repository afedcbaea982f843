// Package releases is the release-test stage (`make test-releases`): it
// proves that `sandbox lint --agent` runs each supported Cilium release's
// own agent and operator code, and that what the releases make of the same
// manifests differs where Cilium's code differs.
//
// Its tests drive the command exactly as users run it (app.Main, the cobra
// command in cmd/sandbox/app, with -o json) on the chart's render for a
// release, and assert what Cilium's code computed: each policy's sanitize
// verdict, the intercepted workload's policy-map entries, the NPDS
// resource's TLS contexts, the SDS secrets. The first use of a release
// builds its helper (minutes, cached per release in the user cache
// directory, as for users), so the stage is kept out of `make test`.
//
// The tests carry the `releases` build tag (and run on Linux only, where
// Cilium's agent code builds): `go test -tags releases ./releases/...`.
// Without the tag the package holds only this file. A test that cannot
// reach the Go toolchain or the module proxy skips, saying so.
package releases
