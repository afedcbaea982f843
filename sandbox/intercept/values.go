package intercept

import (
	"fmt"
	"os"
	"sort"

	"helm.sh/helm/v3/pkg/strvals"
	"sigs.k8s.io/yaml"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// MergeValues merges the values of opts the way Helm does: files in order,
// then the --set expressions, then Values, then Cilium. The chart's
// defaults are not included; Helm coalesces them when rendering.
func MergeValues(opts RenderOptions) (map[string]any, error) {
	base := map[string]any{}
	for _, f := range opts.ValuesFiles {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("%w: read values file: %w", ErrInvalidValues, err)
		}
		cur := map[string]any{}
		if err := yaml.Unmarshal(data, &cur); err != nil {
			return nil, fmt.Errorf("%w: parse values file %s: %w", ErrInvalidValues, f, err)
		}
		base = mergeMaps(base, cur)
	}
	for _, s := range opts.Set {
		if err := strvals.ParseInto(s, base); err != nil {
			return nil, fmt.Errorf("%w: --set %q: %w", ErrInvalidValues, s, err)
		}
	}
	base = mergeMaps(base, opts.Values)
	if !opts.Cilium.IsZero() {
		if err := sameCilium(base, opts.Cilium); err != nil {
			return nil, err
		}
		base = mergeMaps(base, map[string]any{"cilium": map[string]any{"version": opts.Cilium.String()}})
	}
	return base, nil
}

// sameCilium fails when the values give a cilium.version other than v, the
// release chosen apart from them: one would silently override the other.
func sameCilium(vals map[string]any, v versions.Cilium) error {
	c, _ := vals["cilium"].(map[string]any)
	raw, ok := c["version"]
	if !ok {
		return nil
	}
	if s, isString := raw.(string); isString {
		if given, err := versions.ParseCilium(s); err == nil && given == v {
			return nil
		}
	}
	return fmt.Errorf("%w: cilium.version %v in the values disagrees with Cilium %s, the release chosen apart from them (--cilium-version, or its default); choose the release once, with --cilium-version",
		ErrInvalidValues, raw, v)
}

// mergeMaps merges b over a, recursing into maps present in both, as Helm's
// values merge does; lists and scalars of b replace those of a. Neither input
// is modified.
func mergeMaps(a, b map[string]any) map[string]any {
	out := make(map[string]any, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if bm, ok := v.(map[string]any); ok {
			if am, ok := out[k].(map[string]any); ok {
				out[k] = mergeMaps(am, bm)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// SecretHeaderNames returns the header names of every group's secretHeaders
// in vals (values as MergeValues returns them), sorted and without
// repeats: the headers whose values Hubble must redact.
func SecretHeaderNames(vals map[string]any) []string {
	seen := map[string]bool{}
	var out []string
	groups, _ := vals["intercept"].(map[string]any)
	for _, g := range groups {
		gm, _ := g.(map[string]any)
		headers, _ := gm["secretHeaders"].([]any)
		for _, h := range headers {
			hm, _ := h.(map[string]any)
			if name, _ := hm["name"].(string); name != "" && !seen[name] {
				seen[name] = true
				out = append(out, name)
			}
		}
	}
	sort.Strings(out)
	return out
}
