package matrix

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/cilium-tls-intercept/sandbox/sandbox/scenario"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// Expectation is a known difference: on the Cilium releases matched by
// Versions, the Scenarios are expected to end with Outcome.
type Expectation struct {
	// Scenarios are the scenario IDs the rule is about.
	Scenarios []string `json:"scenarios"`
	// Versions is a range expression in cilium-cli's syntax
	// (versions.ParseRange), for example ">=1.16.2 <1.16.4".
	Versions string `json:"versions"`
	// Outcome is OutcomeSkip or OutcomeFail.
	Outcome Outcome `json:"outcome"`
	// Reason says why, in a few words; it fills the table cell.
	Reason string `json:"reason"`
	// Ref points at the issue, pull request or test that documents it: for
	// the shipped rules, the known bug's ID and first reference.
	Ref string `json:"ref,omitempty"`

	match versions.Range
}

// Expected is the expectation recorded with a scenario result.
type Expected struct {
	Outcome Outcome `json:"outcome"`
	Reason  string  `json:"reason"`
	Ref     string  `json:"ref,omitempty"`
}

// Expectations is an ordered rule list; the first rule matching a scenario
// and release wins.
type Expectations []Expectation

// DefaultExpectations returns the known differences shipped with the tool:
// one rule per row of the table of known bugs (sandbox/versions
// knownbugs.yaml) that names scenarios, expecting them to fail (or skip,
// as the row says) on the releases the row affects.
func DefaultExpectations() Expectations {
	e, err := ExpectationsFromKnownBugs(versions.KnownBugs())
	if err != nil {
		panic(fmt.Sprintf("knownbugs.yaml: %v", err)) // covered by tests
	}
	return e
}

// GoExpectations returns the rules of the known bugs Cilium's own Go code
// shows (versions.ShowsGo): what a matrix that runs Cilium's agent and
// operator in-process, with a stand-in for Envoy, can expect to see. The
// rows Envoy's C++ or Cilium's chart show (K2, K14) cannot fail there, so
// they make no rule.
func GoExpectations() Expectations {
	var rows []versions.KnownBug
	for _, r := range versions.KnownBugs() {
		if r.Shows == versions.ShowsGo {
			rows = append(rows, r)
		}
	}
	e, err := ExpectationsFromKnownBugs(rows)
	if err != nil {
		panic(fmt.Sprintf("knownbugs.yaml: %v", err)) // covered by tests
	}
	return e
}

// ExpectationsFromKnownBugs makes the rules of the known bugs that name
// scenarios, in table order: the reason is the row's title, the ref its
// ID and first reference ("K7, cilium/cilium#35513").
func ExpectationsFromKnownBugs(rows []versions.KnownBug) (Expectations, error) {
	var out Expectations
	for _, r := range rows {
		if len(r.Scenarios) == 0 {
			continue
		}
		e := Expectation{Scenarios: r.Scenarios, Versions: r.Affected.String(), Outcome: OutcomeFail,
			Reason: r.Title, Ref: r.ID}
		if ref := r.Ref(); ref != "" {
			e.Ref += ", " + ref
		}
		if r.Expect != "" {
			e.Outcome = Outcome(r.Expect)
		}
		if err := e.compile(); err != nil {
			return nil, fmt.Errorf("%s: %w", r.ID, err)
		}
		out = append(out, e)
	}
	return out, nil
}

// LoadExpectations reads and validates a rule file.
func LoadExpectations(path string) (Expectations, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read expectations: %w", err)
	}
	e, err := ParseExpectations(b)
	if err != nil {
		return nil, fmt.Errorf("expectations %s: %w", path, err)
	}
	return e, nil
}

// ParseExpectations parses a YAML or JSON rule list and validates every
// rule: known scenario IDs, a parsable range, outcome skip or fail, a reason.
func ParseExpectations(data []byte) (Expectations, error) {
	var rules Expectations
	if err := yaml.UnmarshalStrict(data, &rules); err != nil {
		return nil, fmt.Errorf("parse expectations: %w", err)
	}
	for i := range rules {
		if err := rules[i].compile(); err != nil {
			return nil, fmt.Errorf("rule %d: %w", i+1, err)
		}
	}
	return rules, nil
}

func (e *Expectation) compile() error {
	if len(e.Scenarios) == 0 {
		return fmt.Errorf("no scenarios")
	}
	for _, id := range e.Scenarios {
		if !scenario.Known(id) {
			return fmt.Errorf("unknown scenario %q: known are %s", id, strings.Join(scenario.All(), ", "))
		}
	}
	if e.Outcome != OutcomeSkip && e.Outcome != OutcomeFail {
		return fmt.Errorf("outcome %q: want %s or %s", e.Outcome, OutcomeSkip, OutcomeFail)
	}
	if strings.TrimSpace(e.Reason) == "" {
		return fmt.Errorf("no reason for %q", e.Versions)
	}
	r, err := versions.ParseRange(e.Versions)
	if err != nil {
		return err
	}
	e.match = r
	return nil
}

// For returns what is expected of scenario on release v, or nil when the
// scenario should pass.
func (es Expectations) For(id string, v versions.Cilium) *Expected {
	for _, e := range es {
		if !slices.Contains(e.Scenarios, id) || !e.match.Contains(v) {
			continue
		}
		return &Expected{Outcome: e.Outcome, Reason: e.Reason, Ref: e.Ref}
	}
	return nil
}
