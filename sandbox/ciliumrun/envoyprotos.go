package ciliumrun

import (
	"bytes"
	"os"
	"path/filepath"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/semver"
)

// The import paths of Envoy's Go protos: go-control-plane's, which the
// helper sources import, and the copy cilium/proxy carried before it
// imported go-control-plane itself.
const (
	envoyProtosImport     = `"github.com/envoyproxy/go-control-plane/envoy/`
	envoyProtosCopyImport = `"github.com/cilium/proxy/go/envoy/`
)

// cilium/proxy is the module of Cilium's NPDS and its Envoy protos;
// proxyWithControlPlane is the first version of it a served Cilium
// release requires that imports go-control-plane instead of carrying its
// own copy of Envoy's Go protos (go/envoy/...). The releases requiring an
// older one (20240418093727, 20241115112946, 20241210133824,
// 20250305113347, 20250408103314) are 1.16.0 to 1.16.9 and 1.17.0 to
// 1.17.5; 1.16.17 and 1.17.6 on require this one.
const (
	proxyModule           = "github.com/cilium/proxy"
	proxyWithControlPlane = "v0.0.0-20250526114940-b80199397e8a"
)

// usesEnvoyProtosCopy reports whether a Cilium release whose go.mod is
// theirs has cilium/proxy's own copy of Envoy's Go protos. Both that copy
// and go-control-plane register the same proto files, so a helper
// importing both panics at start on protobuf's registration conflict, and
// the agent's NPDS stream types are the copy's.
func usesEnvoyProtosCopy(theirs *modfile.File) bool {
	v := requiredVersion(theirs, proxyModule)
	return v != "" && semver.Compare(v, proxyWithControlPlane) < 0
}

// useEnvoyProtosCopy rewrites the imports of Envoy's protos of the Go
// files in the helper module mod to cilium/proxy's copy.
func useEnvoyProtosCopy(mod string) error {
	names, err := filepath.Glob(filepath.Join(mod, "*.go"))
	if err != nil {
		return err
	}
	for _, n := range names {
		src, err := os.ReadFile(n)
		if err != nil {
			return err
		}
		out := bytes.ReplaceAll(src, []byte(envoyProtosImport), []byte(envoyProtosCopyImport))
		if !bytes.Equal(out, src) {
			if err := os.WriteFile(n, out, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}
