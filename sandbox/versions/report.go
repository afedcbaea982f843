package versions

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Release is what the project knows about one Cilium release, as
// `sandbox versions X` prints it.
type Release struct {
	Release string `json:"release"`
	// Served: the Go module proxy serves its module; ServedReleases lists
	// the served releases of its minor.
	Served         bool   `json:"served"`
	ServedReleases string `json:"servedReleases"`
	// Known: the table of known bugs was checked against it (a patch up to
	// the minor's newest served one); Warning says otherwise.
	Known   bool   `json:"known"`
	Warning string `json:"warning,omitempty"`
	// Default is its minor's default patch.
	Default             string              `json:"default"`
	NodeImage           NodeImage           `json:"nodeImage"`
	ServerNameWildcards ServerNameWildcards `json:"serverNameWildcards"`
	DoubleStarPatterns  bool                `json:"doubleStarPatterns"`
	// KnownBugs are the rows of the table it shows.
	KnownBugs []ReleaseBug `json:"knownBugs"`
}

// ReleaseBug is a row of the table a release shows, with the release that
// fixes it for that release.
type ReleaseBug struct {
	KnownBug
	// FixedFor is the oldest release newer than it without the row; empty
	// when none is.
	FixedFor string `json:"fixedFor,omitempty"`
}

// Describe returns what is known about release v.
func Describe(v Cilium) Release {
	r := Release{
		Release: v.String(), Served: v.Served(), ServedReleases: ServedList(v.Minor), Known: v.KnownPatch(),
		Warning: v.UnknownPatchWarning(), Default: Cilium{Major: 1, Minor: v.Minor, Patch: defaultPatches()[v.Minor]}.String(),
		NodeImage: NodeImageFor(v), ServerNameWildcards: v.ServerNameWildcards(), DoubleStarPatterns: v.DoubleStarPatterns(),
		KnownBugs: []ReleaseBug{},
	}
	for _, b := range KnownBugsOf(v) {
		rb := ReleaseBug{KnownBug: b}
		if f, ok := b.FixedFor(v); ok {
			rb.FixedFor = f.String()
		}
		r.KnownBugs = append(r.KnownBugs, rb)
	}
	return r
}

// WriteText writes r for a reader: the release's facts, then each row it
// shows with what happens, the fix and which checks read it.
func (r Release) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Cilium %s (default patch of its minor: %s)\n", r.Release, r.Default)
	served := "does not serve it"
	if r.Served {
		served = "serves it"
	}
	fmt.Fprintf(&b, "  Go module proxy:  %s (it serves %s)\n", served, r.ServedReleases)
	if r.Warning != "" {
		fmt.Fprintf(&b, "  warning:          %s\n", r.Warning)
	}
	fmt.Fprintf(&b, "  kind node image:  %s\n", r.NodeImage.Ref)
	fmt.Fprintf(&b, "  serverNames:      %s wildcards; \"**.\" in matchPattern: %s\n", r.ServerNameWildcards, yesNo(r.DoubleStarPatterns))
	fmt.Fprintf(&b, "\n%d known bugs and behaviour changes hold on %s:\n", len(r.KnownBugs), r.Release)
	for _, kb := range r.KnownBugs {
		fixed := "no release fixes it yet"
		if kb.FixedFor != "" {
			fixed = "fixed in " + kb.FixedFor
		}
		fmt.Fprintf(&b, "\n%s  %s: %s\n", kb.ID, kb.Kind, kb.Title)
		fmt.Fprintf(&b, "    refs:     %s; %s; affected %s\n", refsText(kb.Refs), fixed, kb.Affected)
		fmt.Fprintf(&b, "    happens:  %s\n", kb.Happens)
		fmt.Fprintf(&b, "    fix:      %s\n", kb.Fix)
		if checks := kb.checksText(); checks != "" {
			fmt.Fprintf(&b, "    checked:  %s\n", checks)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// TableOptions tune WriteTable.
type TableOptions struct {
	// Sources adds the source that confirmed each row's range.
	Sources bool
}

// WriteTable writes the supported releases and the whole table of known
// bugs: one line per row with its range as releases, the fixes, and what
// reads it.
func WriteTable(w io.Writer, opts TableOptions) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "MINOR\tDEFAULT\tSERVED BY THE GO MODULE PROXY\tKIND NODE IMAGE")
	for _, v := range DefaultReleases() {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", v.MinorString(), v, ServedList(v.Minor), NodeImageFor(v).Kubernetes)
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "ID\tKIND\tAFFECTED\tFIXED IN\tSHOWS\tTITLE")
	for _, r := range KnownBugs() {
		spans := r.Affected.Spans()
		if spans == "" {
			spans = r.Affected.String() + ": no supported release"
		}
		fixed := strings.Join(r.FixedIn, ", ")
		if fixed == "" {
			fixed = "open"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Kind, spans, fixed, r.Shows, r.Title)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if !opts.Sources {
		return nil
	}
	for _, r := range KnownBugs() {
		if _, err := fmt.Fprintf(w, "\n%s %s\n  confirmed: %s\n", r.ID, r.Affected, r.Confirmed); err != nil {
			return err
		}
	}
	return nil
}

// checksText names the lint and doctor checks, install warning and
// scenarios that read the row.
func (r KnownBug) checksText() string {
	var parts []string
	for _, c := range r.Lint {
		parts = append(parts, "lint "+c)
	}
	for _, c := range r.Doctor {
		parts = append(parts, "doctor "+c)
	}
	if r.Install != nil {
		parts = append(parts, "plan, up and install warn")
	}
	for _, s := range r.Scenarios {
		parts = append(parts, "matrix "+s+" expected to "+r.expect())
	}
	return strings.Join(parts, ", ")
}

func (r KnownBug) expect() string {
	if r.Expect == "" {
		return "fail"
	}
	return r.Expect
}

func refsText(refs []string) string {
	if len(refs) == 0 {
		return "no reference (code diff)"
	}
	return strings.Join(refs, ", ")
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no (one label)"
}
