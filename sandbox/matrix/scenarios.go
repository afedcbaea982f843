package matrix

import (
	"fmt"
	"slices"
	"strings"
)

// Scenario IDs of the suite in ./scenarios; each feature carries the label
// scenario=<ID>. The order is the column order of the table.
const (
	ScenarioIntercept        = "intercept"
	ScenarioWildcardGroups   = "wildcard-groups"
	ScenarioPassThrough      = "pass-through"
	ScenarioL7Deny           = "l7-deny"
	ScenarioHubbleVisibility = "hubble-visibility"
	ScenarioRotation         = "rotation"
	ScenarioCACrtInSecret    = "ca-crt-in-secret"
	ScenarioNegativeControl  = "negative-control"
	ScenarioDefaultDeny      = "default-deny"
)

// ScenarioLabel is the feature label key the scenarios are selected by.
const ScenarioLabel = "scenario"

// Scenarios returns every scenario ID in table column order.
func Scenarios() []string {
	return []string{
		ScenarioIntercept, ScenarioWildcardGroups, ScenarioPassThrough, ScenarioL7Deny,
		ScenarioHubbleVisibility, ScenarioRotation, ScenarioCACrtInSecret, ScenarioNegativeControl,
		ScenarioDefaultDeny,
	}
}

// IsScenario reports whether id is a known scenario ID.
func IsScenario(id string) bool { return slices.Contains(Scenarios(), id) }

// scenarioOrder returns the column index of id; unknown IDs sort last.
func scenarioOrder(id string) int {
	if i := slices.Index(Scenarios(), id); i >= 0 {
		return i
	}
	return len(Scenarios())
}

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
			return nil, fmt.Errorf("invalid label %q: want key=value, for example %s=%s", part, ScenarioLabel, ScenarioRotation)
		}
		if k == ScenarioLabel && !IsScenario(v) {
			return nil, fmt.Errorf("unknown scenario %q in --labels: known are %s", v, strings.Join(Scenarios(), ", "))
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
	want := l[ScenarioLabel]
	if len(want) == 0 {
		return Scenarios()
	}
	var out []string
	for _, id := range Scenarios() {
		if slices.Contains(want, id) {
			out = append(out, id)
		}
	}
	return out
}
