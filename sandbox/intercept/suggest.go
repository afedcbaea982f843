package intercept

import (
	"fmt"
	"slices"

	"helm.sh/helm/v3/pkg/chart"

	"github.com/cilium-tls-intercept/sandbox/sandbox/suggest"
)

// didYouMean returns `, did you mean "x"?` for the known name closest to
// word, when one is a likely misspelling of it (see suggest.Closest); "" otherwise.
func didYouMean(word string, known []string) string {
	if c := suggest.Closest(word, known); c != "" {
		return fmt.Sprintf(", did you mean %q?", c)
	}
	return ""
}

// misspeltGroup says, for values at intercept.<name> that a schema rule
// refused and whose name is a likely misspelling of one of the chart's own
// groups, which group was probably meant: any other name starts a new
// group, which the chart then asks to be complete.
func misspeltGroup(loc []string, groups []string) string {
	if len(loc) != 2 || loc[0] != "intercept" || slices.Contains(groups, loc[1]) {
		return ""
	}
	if c := suggest.Closest(loc[1], groups); c != "" {
		return fmt.Sprintf(" (did you mean intercept.%s? %q is not one of the chart's groups, so it starts a new group, which needs its own domains)", c, loc[1])
	}
	return ""
}

// defaultGroups lists the groups of the chart's default values, sorted.
func defaultGroups(c *chart.Chart) []string {
	m, _ := c.Values["intercept"].(map[string]any)
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
