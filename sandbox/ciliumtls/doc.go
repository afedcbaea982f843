// Package ciliumtls holds what Cilium does with the TLS of a policy, release
// by release, as read in Cilium's own source: where the agent reads the
// secrets a policy names (the secrets mode of each release), the keys each
// TLS context needs, the names and labels of the operator's copies under
// secret sync, how a namespace-less secret reference is resolved, what makes
// Envoy parse HTTP, how a renewed certificate reaches Envoy, and what the
// agent logs when it cannot build a TLS context.
//
// It is the one place these rules are written: the chart's rendering and
// validation, the doctor, up and the tests all read them from here. The
// releases themselves (the typed version, the supported range) and the
// ranges of the facts that change between releases (the table of known bugs,
// sandbox/versions knownbugs.yaml) are in sandbox/versions, which this
// package builds on: a function here that depends on the release asks that
// table, never compares minors itself. Each fact names the file of
// Cilium's source it was read in, so a new release can be checked against it.
package ciliumtls
