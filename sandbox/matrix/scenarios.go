package matrix

import (
	"fmt"
	"slices"
	"strings"

	"github.com/cilium-tls-intercept/sandbox/sandbox/scenario"
)

// Labels is a feature label filter in e2e-framework's --labels syntax
// ("key=value,key=value"); a key may repeat.
type Labels map[string][]string

// ParseLabels parses "scenario=rotation,scenario=l7-deny". Values of the
// scenario key must be known scenario IDs.
func ParseLabels(s string) (Labels, error) {
	out := Labels{}
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(part, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" || v == "" || strings.Contains(v, "=") {
			return nil, fmt.Errorf("invalid label %q: want key=value, for example %s=%s", part, scenario.Label, scenario.Rotation)
		}
		if k == scenario.Label && !scenario.Known(v) {
			return nil, fmt.Errorf("unknown scenario %q in --labels: known are %s", v, strings.Join(scenario.All(), ", "))
		}
		out[k] = append(out[k], v)
	}
	return out, nil
}

// String renders the filter for the scenarios' --labels flag, keys sorted.
func (l Labels) String() string {
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		for _, v := range l[k] {
			parts = append(parts, k+"="+v)
		}
	}
	return strings.Join(parts, ",")
}

// Selected returns the scenario IDs the filter runs, in column order: the
// scenario label's values, or every scenario when the label is absent.
func (l Labels) Selected() []string {
	want := l[scenario.Label]
	if len(want) == 0 {
		return scenario.All()
	}
	var out []string
	for _, id := range scenario.All() {
		if slices.Contains(want, id) {
			out = append(out, id)
		}
	}
	return out
}
