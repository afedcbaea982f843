// Package versions is what the project knows about Cilium releases, as data:
// the supported minors and the patch releases the Go module proxy serves
// (served.go; each minor's newest is its default), the kind node image
// paired with each minor, the components installed next to Cilium, and the
// table of known bugs and behaviour changes at patch granularity
// (knownbugs.yaml, KnownBugs), each row with a version range in cilium-cli's
// syntax and the source that confirmed it.
//
// Everything here is data or pure functions, so the chart renderer, lint,
// the doctor, plan, up, install, the version matrix and `sandbox versions`
// share one source of truth: a fact that depends on the release (the
// serverNames wildcards it accepts, when the operator requeues its copies,
// how it names them) reads its range from the table.
package versions
