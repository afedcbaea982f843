package ciliumrun

import (
	"bytes"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// The import paths of Envoy's Go protos: go-control-plane's, which the
// helper sources import, and the copy cilium/proxy carried before it
// imported go-control-plane itself.
const (
	envoyProtosImport     = `"github.com/envoyproxy/go-control-plane/envoy/`
	envoyProtosCopyImport = `"github.com/cilium/proxy/go/envoy/`
)

// firstWithControlPlane is the first served release whose cilium/proxy
// imports go-control-plane: 1.16.17's go.mod requires cilium/proxy
// v0.0.0-20250526114940-b80199397e8a, while 1.16.0 to 1.16.9 require
// versions (20240418093727, 20241210133824, 20250305113347) whose
// go/envoy/... packages are a copy registering the same proto files as
// go-control-plane, and the module proxy serves no 1.16.10 to 1.16.16.
var firstWithControlPlane = versions.Cilium{Major: 1, Minor: 16, Patch: 17}

// usesEnvoyProtosCopy reports whether release v's cilium/proxy module has
// its own copy of Envoy's Go protos rather than go-control-plane. A helper
// importing both would panic at start on protobuf's registration conflict,
// and the agent's xDS stream types would not be the client's.
func usesEnvoyProtosCopy(v versions.Cilium) bool {
	return v.Major == firstWithControlPlane.Major && (v.Minor < firstWithControlPlane.Minor ||
		v.Minor == firstWithControlPlane.Minor && v.Patch < firstWithControlPlane.Patch)
}

// withEnvoyProtosOf rewrites a helper Go source's imports of Envoy's protos
// to the packages release v's own code uses.
func withEnvoyProtosOf(v versions.Cilium, src []byte) []byte {
	if !usesEnvoyProtosCopy(v) {
		return src
	}
	return bytes.ReplaceAll(src, []byte(envoyProtosImport), []byte(envoyProtosCopyImport))
}
