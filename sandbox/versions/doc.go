// Package versions knows which Cilium releases the sandbox supports and what
// differs between them: policy features (serverNames wildcards, "**." FQDN
// patterns), the way the agent reads TLS secrets, and the versions of the
// components installed next to Cilium.
//
// Everything here is data or pure functions, so the chart renderer, the
// sandbox, the doctor and the version matrix share one source of truth.
package versions
