// Package podexec runs commands in containers of pods through the
// Kubernetes exec API with client-go's remote command (WebSocket, falling
// back to SPDY for older API servers), as kubectl exec does, without the
// kubectl binary. The doctor runs cilium-dbg in Cilium's agent pods with it;
// the scenarios' probe runs curl in the workload.
//
// Running a command is a seam (Execer): PodExecer talks to a cluster, tests
// answer the same calls from recorded output.
package podexec
