// Package matrix runs the scenario suite across Cilium releases and records
// the outcome as a compatibility table: the way to reproduce a Cilium
// version-compatibility bug.
//
// A Plan lists the combinations (Cilium release, paired kind node image,
// chart versions, the Cilium values that differ between releases); it is
// pure data, so `sandbox matrix --dry-run` prints it without Docker. A Runner
// executes a plan one combination at a time: a fresh kind cluster per
// release (sandbox.Up with its own cluster name), the scenarios as a
// subprocess (the suite's test binary under test2json) whose events are
// folded per scenario, the doctor when a scenario fails unexpectedly, and
// sandbox.Down afterwards. test2json events do not carry e2e-framework's
// labels, so features are mapped to scenarios first by one dry run per
// scenario label (--dry-run --labels scenario=<ID>): a feature belongs to
// the scenario whose run did not skip it.
//
// The table has one column per scenario of Scenarios: intercept,
// wildcard-groups, pass-through, l7-deny, hubble-visibility, rotation,
// ca-crt-in-secret, negative-control, default-deny and credential-injection.
// With the local upstream (the matrix's default) every test name, the
// denied one included, has a fake upstream of its own, so default-deny runs
// there too. credential-injection needs the local upstream, whose /headers
// echoes what arrived, and skips with the internet.
//
// Known behaviour is data: Expectations pair a scenario with a version
// range expression (">=1.16.0 <1.16.2 || >=1.16.4", the syntax of
// cilium-cli's connectivity tests) and an expected skip or failure, so an
// expected difference reads as such in the table and an unexpected one
// stands out. The shipped rules are generated from the table of known bugs
// (sandbox/versions knownbugs.yaml): each row that names scenarios expects
// them to fail on the releases it affects, and the cell cites the row and
// its reference (rotation fails on 1.16, where policy secrets reach Envoy
// inline: K7, cilium/cilium#35513). The offline matrix reads the same rules.
//
// Results are stored as results.json and rendered as a Markdown table; a
// re-run of one cell merges into the existing results. A cell a row does
// not have (a scenario not selected there, or added to the suite after the
// row was recorded) renders as a dash and is not counted as unexpected.
package matrix
