// Package steps runs a list of small named steps as data, the way kind runs
// its create actions: stages in order, the steps of a stage concurrently,
// each step timed and reported as it starts and ends. up, down, install, the
// hermetic control plane's start and the matrix all report the same timed
// Results.
//
// A step looks before it acts and says whether it acted (changed), so a
// second run of the same list reports nothing changed. The first step of a
// stage to fail cancels its siblings; the stages after it do not run.
package steps
