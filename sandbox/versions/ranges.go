package versions

import (
	"fmt"
	"strings"

	"github.com/blang/semver/v4"
)

// Range is a set of Cilium releases written as a range expression in
// cilium-cli's syntax (github.com/blang/semver/v4, as cilium-cli's
// connectivity tests gate their tests): comparisons (<, <=, >, >=, =, !=)
// joined by spaces (and) and "||" (or), for example
// ">=1.17.0 <1.18.8 || >=1.19.0 <1.19.2". The zero Range contains nothing.
type Range struct {
	expr  string
	match semver.Range
}

// ParseRange parses a range expression, naming it in the error.
func ParseRange(expr string) (Range, error) {
	if strings.TrimSpace(expr) == "" {
		return Range{}, fmt.Errorf("empty version range")
	}
	r, err := semver.ParseRange(expr)
	if err != nil {
		return Range{}, fmt.Errorf("invalid version range %q: %w", expr, err)
	}
	return Range{expr: expr, match: r}, nil
}

// MustParseRange is ParseRange for constants known to be valid; it panics otherwise.
func MustParseRange(expr string) Range {
	r, err := ParseRange(expr)
	if err != nil {
		panic(err)
	}
	return r
}

// Contains reports whether release v is in the range.
func (r Range) Contains(v Cilium) bool {
	if r.match == nil || v.Major < 0 || v.Minor < 0 || v.Patch < 0 {
		return false
	}
	return r.match(semver.Version{Major: uint64(v.Major), Minor: uint64(v.Minor), Patch: uint64(v.Patch)})
}

// String returns the expression as written.
func (r Range) String() string { return r.expr }

// IsZero reports whether the range is unset.
func (r Range) IsZero() bool { return r.match == nil }

// MarshalText writes the expression.
func (r Range) MarshalText() ([]byte, error) { return []byte(r.expr), nil }

// UnmarshalText parses an expression with ParseRange.
func (r *Range) UnmarshalText(b []byte) error {
	parsed, err := ParseRange(string(b))
	if err != nil {
		return err
	}
	*r = parsed
	return nil
}

// Spans describes the known releases (1.N.0 up to each supported minor's
// newest served patch) in the range as spans, "1.17.0 to 1.17.17, 1.18.0
// to 1.18.7"; "" when none is.
func (r Range) Spans() string {
	var spans []string
	for m := OldestMinor; m <= NewestMinor; m++ {
		first, last := -1, -1
		flush := func() {
			if first < 0 {
				return
			}
			a, b := Cilium{Major: 1, Minor: m, Patch: first}, Cilium{Major: 1, Minor: m, Patch: last}
			if first == last {
				spans = append(spans, a.String())
			} else {
				spans = append(spans, a.String()+" to "+b.String())
			}
			first, last = -1, -1
		}
		for p := 0; p <= defaultPatches()[m]; p++ {
			if r.Contains(Cilium{Major: 1, Minor: m, Patch: p}) {
				if first < 0 {
					first = p
				}
				last = p
				continue
			}
			flush()
		}
		flush()
	}
	return strings.Join(spans, ", ")
}
