package matrix

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/cilium-tls-intercept/sandbox/sandbox/cilium"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// ValuesFunc returns the Cilium Helm values the sandbox installs release v
// with on cluster clusterName.
type ValuesFunc func(v versions.Cilium, clusterName string) (map[string]any, error)

// ValueDiff is a Cilium value that is not the same for every release.
type ValueDiff struct {
	// Key is the dotted value path, "tls.secretsBackend".
	Key string `json:"key"`
	// ByRelease maps a release to the value's JSON, or "(unset)".
	ByRelease map[string]string `json:"byRelease"`
}

// Unset marks a value a release does not set.
const Unset = "(unset)"

// valuesCluster is the cluster name the values are compared with, so only
// what differs by release shows.
const valuesCluster = "CLUSTER"

// CiliumValues is the sandbox's own values function (sandbox/cilium.Values),
// the default ValuesFunc.
func CiliumValues(v versions.Cilium, clusterName string) (map[string]any, error) {
	return cilium.Values(v, cilium.ValuesInput{ClusterName: clusterName}), nil
}

// diffValues computes each release's values and lists the keys that differ.
func diffValues(releases []versions.Cilium, fn ValuesFunc) (string, []ValueDiff, error) {
	source := "custom values function"
	if fn == nil {
		fn, source = CiliumValues, "sandbox/cilium.Values"
	}
	flat := map[string]map[string]string{} // release -> key -> JSON
	keys := map[string]bool{}
	for _, v := range releases {
		vals, err := fn(v, valuesCluster)
		if err != nil {
			return "", nil, fmt.Errorf("cilium values for %s: %w", v, err)
		}
		f := map[string]string{}
		flatten("", vals, f)
		flat[v.String()] = f
		for k := range f {
			keys[k] = true
		}
	}
	var diffs []ValueDiff
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		d := ValueDiff{Key: k, ByRelease: map[string]string{}}
		distinct := map[string]bool{}
		for _, v := range releases {
			val, ok := flat[v.String()][k]
			if !ok {
				val = Unset
			}
			d.ByRelease[v.String()] = val
			distinct[val] = true
		}
		if len(distinct) > 1 {
			diffs = append(diffs, d)
		}
	}
	return source, diffs, nil
}

// flatten writes every leaf of vals as "a.b.c" -> JSON into out.
func flatten(prefix string, vals map[string]any, out map[string]string) {
	for k, v := range vals {
		key := strings.TrimPrefix(prefix+"."+k, ".")
		if m, ok := v.(map[string]any); ok && len(m) > 0 {
			flatten(key, m, out)
			continue
		}
		b, err := json.Marshal(v)
		if err != nil {
			b = []byte(fmt.Sprintf("%q", fmt.Sprint(v)))
		}
		out[key] = string(b)
	}
}
