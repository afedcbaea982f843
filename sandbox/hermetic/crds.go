package hermetic

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	ciliumcrds "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/client/crds/v2"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"
)

// DefaultCRDs returns the CRDs the sandbox installs: Cilium's (from its Go
// module), cert-manager's and trust-manager's (from their modules' deploy/crds).
func DefaultCRDs() ([]*apiextensionsv1.CustomResourceDefinition, error) {
	cilium, err := crdsFromFS(ciliumcrds.EmbedFS, ".")
	if err != nil {
		return nil, fmt.Errorf("cilium crds: %w", err)
	}
	dir, err := moduleDir("github.com/cert-manager/cert-manager")
	if err != nil {
		return nil, fmt.Errorf("cert-manager crds: %w", err)
	}
	cm, err := crdsFromFS(os.DirFS(filepath.Join(dir, "deploy", "crds")), ".")
	if err != nil {
		return nil, fmt.Errorf("cert-manager crds: %w", err)
	}
	dir, err = moduleDir("github.com/cert-manager/trust-manager")
	if err != nil {
		return nil, fmt.Errorf("trust-manager crds: %w", err)
	}
	trust, err := crdsFromFS(os.DirFS(filepath.Join(dir, "deploy", "crds")), ".")
	if err != nil {
		return nil, fmt.Errorf("trust-manager crds: %w", err)
	}
	return append(append(cilium, cm...), trust...), nil
}

// crdsFromFS parses every YAML file in dir of fsys that holds a CRD.
func crdsFromFS(fsys fs.FS, dir string) ([]*apiextensionsv1.CustomResourceDefinition, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var out []*apiextensionsv1.CustomResourceDefinition
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".yaml") {
			continue
		}
		data, err := fs.ReadFile(fsys, filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := yaml.Unmarshal(data, crd); err != nil {
			return nil, fmt.Errorf("parse %s: %w", e.Name(), err)
		}
		if crd.Kind != "CustomResourceDefinition" {
			continue
		}
		out = append(out, crd)
	}
	return out, nil
}

// moduleDir returns a module's directory in the module cache, as the go
// command resolves it for this module.
func moduleDir(path string) (string, error) {
	var out, errb bytes.Buffer
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", path)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go list -m %s: %w: %s", path, err, errb.String())
	}
	dir := strings.TrimSpace(out.String())
	if dir == "" {
		return "", fmt.Errorf("module %s is not downloaded", path)
	}
	return dir, nil
}
