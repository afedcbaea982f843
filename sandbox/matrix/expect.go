package matrix

import (
	_ "embed"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/blang/semver/v4"
	"sigs.k8s.io/yaml"

	"github.com/cilium-tls-intercept/sandbox/sandbox/scenario"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

//go:embed expectations.yaml
var defaultExpectations []byte

// Expectation is a known difference: on the Cilium releases matched by
// Versions, the Scenarios are expected to end with Outcome.
type Expectation struct {
	// Scenarios are the scenario IDs the rule is about.
	Scenarios []string `json:"scenarios"`
	// Versions is a range expression, for example ">=1.16.2 <1.16.4".
	Versions string `json:"versions"`
	// Outcome is OutcomeSkip or OutcomeFail.
	Outcome Outcome `json:"outcome"`
	// Reason says why, in a few words; it fills the table cell.
	Reason string `json:"reason"`
	// Ref points at the issue, pull request or test that documents it.
	Ref string `json:"ref,omitempty"`

	match semver.Range
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

// DefaultExpectations returns the known differences shipped with the tool
// (expectations.yaml).
func DefaultExpectations() Expectations {
	e, err := ParseExpectations(defaultExpectations)
	if err != nil {
		panic(fmt.Sprintf("embedded expectations.yaml: %v", err)) // covered by tests
	}
	return e
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
	r, err := ParseRange(e.Versions)
	if err != nil {
		return err
	}
	e.match = r
	return nil
}

// ParseRange parses a version range expression such as
// ">=1.16.0 <1.16.2 || >=1.16.4" (github.com/blang/semver/v4 syntax, as in
// cilium-cli's connectivity tests).
func ParseRange(expr string) (semver.Range, error) {
	if strings.TrimSpace(expr) == "" {
		return nil, fmt.Errorf("empty version range")
	}
	r, err := semver.ParseRange(expr)
	if err != nil {
		return nil, fmt.Errorf("invalid version range %q: %w", expr, err)
	}
	return r, nil
}

// InRange reports whether Cilium release v satisfies range expression expr.
func InRange(v versions.Cilium, expr string) (bool, error) {
	r, err := ParseRange(expr)
	if err != nil {
		return false, err
	}
	return r(semverOf(v)), nil
}

func semverOf(v versions.Cilium) semver.Version {
	return semver.Version{Major: uint64(v.Major), Minor: uint64(v.Minor), Patch: uint64(v.Patch)}
}

// For returns what is expected of scenario on release v, or nil when the
// scenario should pass.
func (es Expectations) For(id string, v versions.Cilium) *Expected {
	sv := semverOf(v)
	for _, e := range es {
		if e.match == nil || !slices.Contains(e.Scenarios, id) || !e.match(sv) {
			continue
		}
		return &Expected{Outcome: e.Outcome, Reason: e.Reason, Ref: e.Ref}
	}
	return nil
}
