package versions

import (
	_ "embed"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"sigs.k8s.io/yaml"

	"github.com/cilium-tls-intercept/sandbox/sandbox/scenario"
)

//go:embed knownbugs.yaml
var knownBugsYAML []byte

// The rows code reads by ID, each a fact about releases stated once in
// knownbugs.yaml.
const (
	// FullTLSContextCA: ca.crt of a terminating secret reaches Envoy.
	FullTLSContextCA = "K1"
	// SNIWrapperRegression: Envoy's SNI enforcement broken.
	SNIWrapperRegression = "K2"
	// SNIPatternIdentities: new addresses of a matchPattern miss serverNames rules.
	SNIPatternIdentities = "K3"
	// ServerNamesExact: no serverNames wildcards.
	ServerNamesExact = "K4"
	// DoubleStarOneLabel: "**." in a DNS matchPattern matches one label.
	DoubleStarOneLabel = "K5"
	// InlineSecrets: the agent reads policy secrets and sends them inline.
	InlineSecrets = "K6"
	// InlineRenewal: a renewal waits for a policy recompute.
	InlineRenewal = "K7"
	// NoCopyRequeue: the operator never requeues its copies.
	NoCopyRequeue = "K8"
	// SecretTypeChange: a source secret's type change leaves its copy stale.
	SecretTypeChange = "K9"
	// LegacyCopyNames: the operator's copies are named <ns>-<name>.
	LegacyCopyNames = "K10"
	// ADSLivelock: ADS mode livelocks agent and Envoy.
	ADSLivelock = "K14"
	// AgentSecretsGetOnly: the agent's ClusterRole only gets secrets.
	AgentSecretsGetOnly = "K16"
	// OriginatingClientCert: originating TLS presents no client certificate.
	OriginatingClientCert = "K17"
	// ServerNamesLeadingWildcard: serverNames "*" only as a leading label.
	ServerNamesLeadingWildcard = "K18"
	// TLSContextLogDirection: the agent's TLS context error text names the direction.
	TLSContextLogDirection = "K19"
)

// Shows says which code shows a known bug's effect.
type Shows string

// What shows a known bug: Cilium's Go code, Envoy's C++, Cilium's chart,
// or Cilium's BPF datapath (C programs reading what the agent wrote).
const (
	ShowsGo       Shows = "go"
	ShowsEnvoy    Shows = "envoy"
	ShowsHelm     Shows = "helm"
	ShowsDatapath Shows = "datapath"
)

// Kind tells a defect from a deliberate change.
type Kind string

// The kinds of rows.
const (
	KindBug    Kind = "bug"
	KindChange Kind = "change"
)

// InstallWarning marks a row that plan, up and install warn about before
// installing an affected release.
type InstallWarning struct {
	// Set lists Cilium chart values (helm --set syntax) that work around it.
	Set []string `json:"set,omitempty"`
}

// KnownBug is one row of the table of known bugs and behaviour changes
// (knownbugs.yaml documents each field).
type KnownBug struct {
	ID        string          `json:"id"`
	Kind      Kind            `json:"kind"`
	Title     string          `json:"title"`
	Refs      []string        `json:"refs"`
	Affected  Range           `json:"affected"`
	FixedIn   []string        `json:"fixedIn"`
	Happens   string          `json:"happens"`
	Fix       string          `json:"fix"`
	Where     string          `json:"where"`
	Shows     Shows           `json:"shows"`
	Evidence  string          `json:"evidence,omitempty"`
	Lint      []string        `json:"lint,omitempty"`
	Doctor    []string        `json:"doctor,omitempty"`
	Install   *InstallWarning `json:"install,omitempty"`
	Scenarios []string        `json:"scenarios,omitempty"`
	// Expect is the scenarios' outcome on an affected release: "fail"
	// (the default) or "skip".
	Expect    string `json:"expect,omitempty"`
	Confirmed string `json:"confirmed"`

	fixed []Cilium
}

var (
	rowID = regexp.MustCompile(`^K[1-9][0-9]*$`)
	refRE = regexp.MustCompile(`^cilium/(cilium|proxy)#[1-9][0-9]*$`)
)

// embeddedKnownBugs parses knownbugs.yaml once; the rows never change.
var embeddedKnownBugs = sync.OnceValues(func() ([]KnownBug, error) { return ParseKnownBugs(knownBugsYAML) })

// KnownBugs returns the table, in ID order. The embedded table is checked
// by the package's tests, so a malformed one panics here.
func KnownBugs() []KnownBug {
	rows, err := embeddedKnownBugs()
	if err != nil {
		panic(fmt.Sprintf("knownbugs.yaml: %v", err)) // covered by TestKnownBugsTable
	}
	return slices.Clone(rows)
}

// ParseKnownBugs parses and checks a table: unique IDs, refs, a parsable
// range, fixed releases outside it, a source for every range.
func ParseKnownBugs(data []byte) ([]KnownBug, error) {
	var rows []KnownBug
	if err := yaml.UnmarshalStrict(data, &rows); err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	seen := map[string]bool{}
	for i := range rows {
		r := &rows[i]
		if err := r.check(); err != nil {
			return nil, fmt.Errorf("row %d (%s): %w", i+1, r.ID, err)
		}
		if seen[r.ID] {
			return nil, fmt.Errorf("row %d: %s given twice", i+1, r.ID)
		}
		seen[r.ID] = true
	}
	return rows, nil
}

func (r *KnownBug) check() error {
	switch {
	case !rowID.MatchString(r.ID):
		return fmt.Errorf("id %q: want K<n>", r.ID)
	case r.Kind != KindBug && r.Kind != KindChange:
		return fmt.Errorf("kind %q: want %s or %s", r.Kind, KindBug, KindChange)
	case r.Shows != ShowsGo && r.Shows != ShowsEnvoy && r.Shows != ShowsHelm && r.Shows != ShowsDatapath:
		return fmt.Errorf("shows %q: want go, envoy, helm or datapath", r.Shows)
	case r.Affected.IsZero():
		return fmt.Errorf("no affected range")
	case strings.TrimSpace(r.Title) == "" || strings.TrimSpace(r.Happens) == "" || strings.TrimSpace(r.Fix) == "":
		return fmt.Errorf("title, happens and fix are required")
	case strings.TrimSpace(r.Confirmed) == "":
		return fmt.Errorf("no source confirming the range %q", r.Affected)
	case r.Expect != "" && r.Expect != "fail" && r.Expect != "skip":
		return fmt.Errorf("expect %q: want fail or skip", r.Expect)
	}
	for _, id := range r.Scenarios {
		if !scenario.Known(id) {
			return fmt.Errorf("unknown scenario %q: known are %s", id, strings.Join(scenario.All(), ", "))
		}
	}
	for _, ref := range r.Refs {
		if !refRE.MatchString(ref) {
			return fmt.Errorf("ref %q: want cilium/cilium#N or cilium/proxy#N", ref)
		}
	}
	r.fixed = nil
	for _, f := range r.FixedIn {
		v, err := parseExact(f)
		if err != nil {
			return fmt.Errorf("fixedIn: %w", err)
		}
		if r.Affected.Contains(v) {
			return fmt.Errorf("fixedIn %s is inside the affected range %q", v, r.Affected)
		}
		if prev := (Cilium{Major: v.Major, Minor: v.Minor, Patch: v.Patch - 1}); v.Patch > 0 && !r.Affected.Contains(prev) {
			return fmt.Errorf("fixedIn %s: %s before it is not in the affected range %q either", v, prev, r.Affected)
		}
		r.fixed = append(r.fixed, v)
	}
	if !slices.IsSortedFunc(r.fixed, Cilium.Compare) {
		return fmt.Errorf("fixedIn %v: want oldest first", r.FixedIn)
	}
	return nil
}

// parseExact parses "1.18.5" as written, with no default patch and no
// support-range check (fixes land in releases this project may not support).
func parseExact(s string) (Cilium, error) {
	var v Cilium
	if n, err := fmt.Sscanf(s, "%d.%d.%d", &v.Major, &v.Minor, &v.Patch); err != nil || n != 3 || v.String() != s {
		return Cilium{}, fmt.Errorf("%q is not a release MAJOR.MINOR.PATCH", s)
	}
	return v, nil
}

// Affects reports whether release v shows the row.
func (r KnownBug) Affects(v Cilium) bool { return r.Affected.Contains(v) }

// FixedFor returns the oldest release newer than v that fixes the row, and
// false when none does (the row is open past v).
func (r KnownBug) FixedFor(v Cilium) (Cilium, bool) {
	for _, f := range r.fixed {
		if f.Compare(v) > 0 {
			return f, true
		}
	}
	return Cilium{}, false
}

// Ref is the row's first reference, "" when it has none.
func (r KnownBug) Ref() string {
	if len(r.Refs) == 0 {
		return ""
	}
	return r.Refs[0]
}

// Label names the row in a message: "K3 (cilium/cilium#44462)".
func (r KnownBug) Label() string {
	if ref := r.Ref(); ref != "" {
		return r.ID + " (" + ref + ")"
	}
	return r.ID
}

// FixedText says which release fixes the row for a user on v: "fixed in
// 1.18.8", or "no release fixes it yet" / "open on 1.17" when none does.
func (r KnownBug) FixedText(v Cilium) string {
	if f, ok := r.FixedFor(v); ok {
		return "fixed in " + f.String()
	}
	if len(r.fixed) == 0 {
		return "no release fixes it yet"
	}
	return "no release fixes it yet; " + strings.Join(r.FixedIn, ", ") + " did on other lines"
}

// KnownBugByID returns the row with id; it panics on an unknown id, which is a
// bug of the caller (code names rows by the constants above).
func KnownBugByID(id string) KnownBug {
	for _, r := range KnownBugs() {
		if r.ID == id {
			return r
		}
	}
	panic(fmt.Sprintf("known bug %s is not in knownbugs.yaml", id))
}

// Affected reports whether release v shows the row with id.
func Affected(id string, v Cilium) bool { return KnownBugByID(id).Affects(v) }

// KnownBugsOf returns the rows release v shows, in table order.
func KnownBugsOf(v Cilium) []KnownBug {
	var out []KnownBug
	for _, r := range KnownBugs() {
		if r.Affects(v) {
			out = append(out, r)
		}
	}
	return out
}

// InstallWarnings returns the rows release v shows that plan, up and
// install warn about before installing it.
func InstallWarnings(v Cilium) []KnownBug {
	var out []KnownBug
	for _, r := range KnownBugsOf(v) {
		if r.Install != nil {
			out = append(out, r)
		}
	}
	return out
}

// InstallWarningTexts returns the warnings plan, up and install give
// before installing (or installing onto) release v: InstallWarningText of
// each row of InstallWarnings; nil when there is none.
func InstallWarningTexts(v Cilium) []string {
	var out []string
	for _, r := range InstallWarnings(v) {
		out = append(out, r.InstallWarningText(v))
	}
	return out
}

// InstallWarningText is the warning for row r on release v: what happens,
// the release that fixes it, and the workaround values.
func (r KnownBug) InstallWarningText(v Cilium) string {
	msg := fmt.Sprintf("Cilium %s has known bug %s: %s (%s)", v, r.Label(), r.Title, r.FixedText(v))
	if r.Install != nil && len(r.Install.Set) > 0 {
		msg += "; workaround on Cilium's chart: --set " + strings.Join(r.Install.Set, " --set ")
	}
	return msg
}
