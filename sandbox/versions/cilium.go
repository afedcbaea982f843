package versions

import (
	"fmt"
	"strconv"
	"strings"
)

// Cilium is a Cilium release, major.minor.patch.
type Cilium struct {
	Major, Minor, Patch int
}

// DefaultCilium is the Cilium release installed and rendered for when none is given.
const DefaultCilium = "1.20.2"

// OldestMinor and NewestMinor bound the supported Cilium 1.x minors.
const (
	OldestMinor = 16
	NewestMinor = 20
)

// defaultPatches is the patch release used for each supported minor when only
// "1.N" is given: the newest the Go module proxy serves (servedPatches).
// They are the releases the version matrix runs by default.
func defaultPatches() map[int]int {
	out := map[int]int{}
	for minor, patches := range servedPatches() {
		out[minor] = patches[len(patches)-1]
	}
	return out
}

// SupportedRange describes the supported releases for error messages.
func SupportedRange() string {
	return fmt.Sprintf("1.%d to 1.%d", OldestMinor, NewestMinor)
}

// DefaultReleases lists the default patch release of every supported minor,
// oldest first.
func DefaultReleases() []Cilium {
	patches := defaultPatches()
	out := make([]Cilium, 0, NewestMinor-OldestMinor+1)
	for m := OldestMinor; m <= NewestMinor; m++ {
		out = append(out, Cilium{Major: 1, Minor: m, Patch: patches[m]})
	}
	return out
}

// ParseCilium parses "1.18.10", "v1.18.10" or "1.18" (the minor's default
// patch) and rejects releases outside the supported range, naming the value
// and the range.
func ParseCilium(s string) (Cilium, error) {
	raw := strings.TrimPrefix(strings.TrimSpace(s), "v")
	parts := strings.Split(raw, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return Cilium{}, fmt.Errorf("invalid Cilium version %q: want MAJOR.MINOR[.PATCH], for example %s", s, DefaultCilium)
	}
	nums := make([]int, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return Cilium{}, fmt.Errorf("invalid Cilium version %q: %q is not a number", s, p)
		}
		nums[i] = n
	}
	v := Cilium{Major: nums[0], Minor: nums[1], Patch: -1}
	if len(nums) == 3 {
		v.Patch = nums[2]
	}
	if v.Major != 1 || v.Minor < OldestMinor || v.Minor > NewestMinor {
		return Cilium{}, fmt.Errorf("unsupported Cilium version %q: supported are %s", s, SupportedRange())
	}
	if v.Patch < 0 {
		v.Patch = defaultPatches()[v.Minor]
	}
	return v, nil
}

// MustParseCilium is ParseCilium for constants known to be valid; it panics otherwise.
func MustParseCilium(s string) Cilium {
	v, err := ParseCilium(s)
	if err != nil {
		panic(err)
	}
	return v
}

// String returns "1.18.10".
func (v Cilium) String() string { return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch) }

// MinorString returns "1.18".
func (v Cilium) MinorString() string { return fmt.Sprintf("%d.%d", v.Major, v.Minor) }

// Compare returns -1, 0 or +1 as v is older than, equal to or newer than o.
func (v Cilium) Compare(o Cilium) int {
	for _, d := range [][2]int{{v.Major, o.Major}, {v.Minor, o.Minor}, {v.Patch, o.Patch}} {
		if d[0] != d[1] {
			if d[0] < d[1] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// AtLeast reports whether v is minor 1.minor or newer.
func (v Cilium) AtLeast(minor int) bool { return v.Major > 1 || v.Minor >= minor }

// IsZero reports whether v is unset (the zero Cilium).
func (v Cilium) IsZero() bool { return v == Cilium{} }

// OrDefault returns v, or DefaultCilium when v is unset.
func (v Cilium) OrDefault() Cilium {
	if v.IsZero() {
		return MustParseCilium(DefaultCilium)
	}
	return v
}

// KnownPatch reports whether v is a patch release the project knows: 1.N.0
// up to the minor's default patch, the newest one the table of known bugs
// was checked against. Cilium numbers its patch releases without gaps (the
// Go module proxy does not serve them all: see Served).
func (v Cilium) KnownPatch() bool {
	newest, ok := defaultPatches()[v.Minor]
	return ok && v.Major == 1 && v.Patch <= newest
}

// KnownPatches says which patch releases of v's minor the project knows,
// "1.18.0 to 1.18.10".
func (v Cilium) KnownPatches() string {
	return fmt.Sprintf("%d.%d.0 to %d.%d.%d", v.Major, v.Minor, v.Major, v.Minor, defaultPatches()[v.Minor])
}

// UnknownPatchWarning returns, for a patch release the project does not know
// (KnownPatch false), a warning naming the known ones; "" otherwise.
func (v Cilium) UnknownPatchWarning() string {
	if v.IsZero() || v.KnownPatch() {
		return ""
	}
	return fmt.Sprintf("Cilium %s is newer than the %s patch releases this project knows (%s): it is used as given, and its chart and images must exist upstream", v, v.MinorString(), v.KnownPatches())
}

// Value is a command-line flag value (pflag.Value) holding a Cilium release:
// the flag's text is parsed once, when it is set, and a bad value fails the
// flag parse with a message naming it.
type Value struct {
	// V receives the parsed release; it keeps its value while the flag is unset.
	V *Cilium
}

// Set parses s with ParseCilium.
func (f Value) Set(s string) error {
	v, err := ParseCilium(s)
	if err != nil {
		return err
	}
	*f.V = v
	return nil
}

// String returns the release, "" when unset.
func (f Value) String() string {
	if f.V == nil || f.V.IsZero() {
		return ""
	}
	return f.V.String()
}

// Type names the flag's value in help output.
func (f Value) Type() string { return "version" }
