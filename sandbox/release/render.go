package release

import (
	"context"
	"fmt"
	"sort"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/releaseutil"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// DefaultKubeVersion is the Kubernetes version charts are rendered for
// offline. Helm's own default (1.20) makes current charts refuse to render.
const DefaultKubeVersion = "v1.35.0"

// RenderInput says what to render.
type RenderInput struct {
	// Chart is the loaded chart.
	Chart *chart.Chart
	// ReleaseName and Namespace are the release's name and namespace.
	ReleaseName, Namespace string
	// Values are the user-supplied values, merged over the chart's defaults.
	Values map[string]any
	// KubeVersion is the cluster version to render for; DefaultKubeVersion when empty.
	KubeVersion string
	// APIVersions are extra API group versions the templates may test for
	// with .Capabilities.APIVersions.Has (for example "cert-manager.io/v1").
	APIVersions []string
}

// Rendered is the output of a render: what `helm template` would print.
type Rendered struct {
	// Manifest holds the release's documents, in Helm's install order.
	Manifest string
	// Hooks holds the hook documents, if any.
	Hooks []string
	// Notes is the rendered NOTES.txt.
	Notes string
}

// Render renders a chart offline, as `helm template` does: values are
// validated against values.schema.json and templates may call `fail`.
func Render(ctx context.Context, in RenderInput) (*Rendered, error) {
	kv := in.KubeVersion
	if kv == "" {
		kv = DefaultKubeVersion
	}
	parsed, err := chartutil.ParseKubeVersion(kv)
	if err != nil {
		return nil, fmt.Errorf("kube version %q: %w", kv, err)
	}
	install := action.NewInstall(&action.Configuration{})
	install.DryRun = true
	install.ClientOnly = true
	install.Replace = true
	install.IncludeCRDs = true
	install.DisableHooks = false
	install.ReleaseName = in.ReleaseName
	install.Namespace = in.Namespace
	install.KubeVersion = parsed
	install.APIVersions = append(chartutil.VersionSet{}, in.APIVersions...)
	vals := in.Values
	if vals == nil {
		vals = map[string]any{}
	}
	rel, err := install.RunWithContext(ctx, in.Chart, vals)
	if err != nil {
		return nil, fmt.Errorf("render chart %s: %w", in.Chart.Name(), err)
	}
	out := &Rendered{Manifest: rel.Manifest, Notes: rel.Info.Notes}
	for _, h := range rel.Hooks {
		out.Hooks = append(out.Hooks, fmt.Sprintf("# Source: %s\n%s", h.Path, h.Manifest))
	}
	return out, nil
}

// Documents returns every rendered document as text: the manifest's in
// their order in the manifest (Helm's install order), then the hooks.
func (r *Rendered) Documents() []string {
	split := releaseutil.SplitManifests(r.Manifest)
	keys := make([]string, 0, len(split))
	for k := range split {
		keys = append(keys, k)
	}
	sort.Sort(releaseutil.BySplitManifestsOrder(keys))
	docs := make([]string, 0, len(keys)+len(r.Hooks))
	for _, k := range keys {
		docs = append(docs, split[k])
	}
	return append(docs, r.Hooks...)
}

// Objects parses every rendered document into an unstructured object,
// skipping empty documents.
func (r *Rendered) Objects() ([]*unstructured.Unstructured, error) {
	var objs []*unstructured.Unstructured
	for _, doc := range r.Documents() {
		m := map[string]any{}
		if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
			return nil, fmt.Errorf("parse rendered document: %w\n%s", err, doc)
		}
		if len(m) == 0 {
			continue
		}
		objs = append(objs, &unstructured.Unstructured{Object: m})
	}
	return objs, nil
}
