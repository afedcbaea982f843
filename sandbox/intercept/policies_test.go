package intercept

import (
	"slices"
	"testing"
)

// TestValuesNamed: a refusal names the values Cilium's message quotes,
// exact matches before values that only contain the quoted part, and
// nothing when no value is quoted.
func TestValuesNamed(t *testing.T) {
	vals := map[string]any{
		"intercept": map[string]any{
			"github": map[string]any{"http": []any{map[string]any{"path": "/meta(", "method": "GET"}}},
			"aws":    map[string]any{"http": []any{map[string]any{"path": "/a/**/b"}}},
		},
		"passThrough": map[string]any{"domains": []any{"example.com"}},
	}
	cases := map[string][]string{
		"error parsing regexp: missing closing ): `/meta(`":     {"intercept.github.http[0].path=/meta("},
		"error parsing regexp: invalid nested repetition: `**`": {"intercept.aws.http[0].path=/a/**/b"},
		`serverNames "example.com" is refused`:                  {"passThrough.domains[0]=example.com"},
		"endpointSelector is empty":                             nil,
	}
	for msg, want := range cases {
		if got := valuesNamed(msg, vals); !slices.Equal(got, want) {
			t.Errorf("valuesNamed(%q) = %q, want %q", msg, got, want)
		}
	}
}
