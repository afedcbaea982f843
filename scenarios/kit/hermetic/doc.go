// Package hermetic runs a real kube-apiserver and etcd, built from Go
// modules, with cert-manager's and trust-manager's controllers in-process,
// so the interception chart is installed for real and its certificates and
// trust bundles are really issued, without Docker or internet.
//
// Build compiles the two binaries once per machine into DefaultAssetsDir
// (about 5 minutes on 2 cores, 1.9 GB peak; `make controlplane`). Start
// starts them through controller-runtime's envtest, installs Cilium's,
// cert-manager's and trust-manager's CRDs (sandbox/crds), creates the
// namespaces a sandbox cluster has before the chart, starts the controllers
// and installs the chart through release.EnsureRelease, as `make sandbox`
// does. Stop tears it all down; Processes lets a test prove nothing is left.
//
// With Options.Cilium, Cilium's own Helm chart is installed as well, with
// the sandbox's values, so cilium-config, Cilium's RBAC and its secrets
// namespace are what a sandbox cluster has; the scenarios' agent tier runs
// the release's own operator and agent code against them, in a helper built
// for the release (sandbox/ciliumrun, cluster mode).
//
// What does not run: kubelet, scheduler, kube-controller-manager, and so
// no pod at all, Cilium's included (the workload Deployment never rolls
// out), no garbage collector (owned objects outlive their owners) and no
// namespace controller (a deleted Namespace stays Terminating). Scenarios
// that need the data path skip in this mode.
package hermetic
