package crds

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	ciliumcrds "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/client/crds/v2"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"
)

//go:generate go run ../../cmd/gencrds -out files

//go:embed files/cert-manager/*.yaml files/trust-manager/*.yaml
var files embed.FS

// Cilium returns every CRD of Cilium's cilium.io/v2 API group
// (CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy, CiliumEndpoint, ...)
// from the Cilium module in go.mod.
func Cilium() []*apiextensionsv1.CustomResourceDefinition {
	return mustParseDir(ciliumcrds.EmbedFS, ".")
}

// CertManager returns cert-manager's CRDs (Certificate, CertificateRequest,
// Issuer, ClusterIssuer, Order, Challenge) at versions.CertManager.
func CertManager() []*apiextensionsv1.CustomResourceDefinition {
	return mustParseDir(files, "files/cert-manager")
}

// TrustManager returns trust-manager's Bundle CRD at versions.TrustManager,
// as its Helm chart installs it.
func TrustManager() []*apiextensionsv1.CustomResourceDefinition {
	return mustParseDir(files, "files/trust-manager")
}

// All returns Cilium's, cert-manager's and trust-manager's CRDs.
func All() []*apiextensionsv1.CustomResourceDefinition {
	out := Cilium()
	out = append(out, CertManager()...)
	return append(out, TrustManager()...)
}

// mustParseDir parses the embedded directory; the files are fixed at build
// time and covered by tests, so a failure is a build defect.
func mustParseDir(fsys fs.FS, dir string) []*apiextensionsv1.CustomResourceDefinition {
	out, err := ParseDir(fsys, dir)
	if err != nil {
		panic(fmt.Sprintf("embedded CRDs: %v", err))
	}
	return out
}

// ParseDir parses every *.yaml file in dir of fsys as one CRD, in file name
// order, and rejects a file that holds anything else.
func ParseDir(fsys fs.FS, dir string) ([]*apiextensionsv1.CustomResourceDefinition, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	out := make([]*apiextensionsv1.CustomResourceDefinition, 0, len(names))
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		crd, err := Parse(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out = append(out, crd)
	}
	return out, nil
}

// Parse decodes one CRD document (a leading "---" is allowed) and checks it
// is a CustomResourceDefinition with a name.
func Parse(data []byte) (*apiextensionsv1.CustomResourceDefinition, error) {
	body := strings.TrimPrefix(strings.TrimLeft(string(data), " \n"), "---\n")
	crd := &apiextensionsv1.CustomResourceDefinition{}
	if err := yaml.UnmarshalStrict([]byte(body), crd); err != nil {
		return nil, fmt.Errorf("decode crd: %w", err)
	}
	if crd.Kind != "CustomResourceDefinition" || crd.Name == "" {
		return nil, fmt.Errorf("not a named CustomResourceDefinition (kind %q, name %q)", crd.Kind, crd.Name)
	}
	return crd, nil
}
