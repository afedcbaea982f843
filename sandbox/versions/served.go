package versions

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// servedPatches lists, for each supported minor, the patch releases of
// github.com/cilium/cilium the Go module proxy serves, probed one by one
// with `go mod download -json github.com/cilium/cilium@v1.N.P` (the proxy's
// list endpoint returns almost nothing for Cilium). The gaps are releases
// the proxy refuses ("not available"): their Go code cannot be read or
// built from the proxy, so the table of known bugs rests on their
// CHANGELOG alone where a boundary falls on one of them.
//
// Every release listed here has been checked against the table of known
// bugs (knownbugs.yaml): a release newer than the newest listed is unknown
// to the project (UnknownPatchWarning), and TestNoUnknownServedRelease
// fails when the proxy starts serving one.
func servedPatches() map[int][]int {
	return map[int][]int{
		16: {0, 1, 2, 3, 4, 5, 6, 8, 9, 17, 19},
		17: {0, 1, 2, 3, 4, 5, 6, 8, 14, 15, 16, 17},
		18: {0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11},
		19: {0, 1, 3, 4, 5, 6, 7},
		20: {0, 1, 2},
	}
}

// ServedPatches returns the patch numbers of Cilium 1.minor the Go module
// proxy serves, oldest first; nil for an unsupported minor.
func ServedPatches(minor int) []int {
	return slices.Clone(servedPatches()[minor])
}

// ServedReleases returns the releases of minor the Go module proxy serves,
// oldest first.
func ServedReleases(minor int) []Cilium {
	var out []Cilium
	for _, p := range ServedPatches(minor) {
		out = append(out, Cilium{Major: 1, Minor: minor, Patch: p})
	}
	return out
}

// Served reports whether the Go module proxy serves release v's module.
func (v Cilium) Served() bool {
	return v.Major == 1 && slices.Contains(servedPatches()[v.Minor], v.Patch)
}

// ServedList names the served releases of v's minor compactly, "1.19.0,
// 1.19.1, 1.19.3 to 1.19.7", for messages refusing an unserved release.
func ServedList(minor int) string { return compactPatches(minor, ServedPatches(minor)) }

// compactPatches names patches of minor (sorted) with runs as spans.
func compactPatches(minor int, ps []int) string {
	var parts []string
	for i := 0; i < len(ps); {
		j := i
		for j+1 < len(ps) && ps[j+1] == ps[j]+1 {
			j++
		}
		name := func(p int) string { return "1." + strconv.Itoa(minor) + "." + strconv.Itoa(p) }
		switch {
		case j == i:
			parts = append(parts, name(ps[i]))
		case j == i+1:
			parts = append(parts, name(ps[i]), name(ps[j]))
		default:
			parts = append(parts, name(ps[i])+" to "+name(ps[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

// NotServedError says that the Go module proxy does not serve release v,
// naming the releases of its minor it does serve; nil when it serves v.
func (v Cilium) NotServedError() error {
	if v.Served() {
		return nil
	}
	if _, ok := servedPatches()[v.Minor]; !ok || v.Major != 1 {
		return fmt.Errorf("unsupported Cilium release %s: supported are %s", v, SupportedRange())
	}
	return fmt.Errorf("the Go module proxy does not serve Cilium %s: it serves %s", v, ServedList(v.Minor))
}
