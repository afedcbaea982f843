package matrix

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/cilium-tls-intercept/sandbox/sandbox/scenario"
	"github.com/cilium-tls-intercept/sandbox/sandbox/steps"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// SchemaVersion is the version of the results.json format.
const SchemaVersion = 1

// Outcome is what a scenario did, as go test reported it.
type Outcome string

const (
	// OutcomePass: the scenario's tests passed.
	OutcomePass Outcome = "pass"
	// OutcomeFail: a test of the scenario failed.
	OutcomeFail Outcome = "fail"
	// OutcomeSkip: the scenario skipped itself (Detail says why).
	OutcomeSkip Outcome = "skip"
	// OutcomeError: the scenario did not run (setup failed, no result).
	OutcomeError Outcome = "error"
)

// Verdict is an outcome read against the known differences.
type Verdict string

const (
	// VerdictPass: passed, as expected.
	VerdictPass Verdict = "pass"
	// VerdictFail: failed where nothing known says it should.
	VerdictFail Verdict = "fail"
	// VerdictSkip: skipped by the scenario itself, with no known difference.
	VerdictSkip Verdict = "skip"
	// VerdictExpectedFail: failed, as a known difference says.
	VerdictExpectedFail Verdict = "expected-fail"
	// VerdictExpectedSkip: skipped, as a known difference says.
	VerdictExpectedSkip Verdict = "expected-skip"
	// VerdictUnexpectedPass: passed where a known difference says it
	// should fail or skip; the known difference may be gone.
	VerdictUnexpectedPass Verdict = "unexpected-pass"
	// VerdictError: did not run.
	VerdictError Verdict = "error"
)

// Unexpected reports whether the verdict contradicts what is known: a
// failure nobody expected, a pass where a failure or skip was expected, or
// a scenario that did not run.
func (v Verdict) Unexpected() bool {
	return v == VerdictFail || v == VerdictUnexpectedPass || v == VerdictError
}

// Classify reads outcome against exp (nil: the scenario should pass).
func Classify(outcome Outcome, exp *Expected) Verdict {
	switch {
	case outcome == OutcomeError:
		return VerdictError
	case exp == nil:
		return Verdict(outcome)
	case outcome == OutcomePass:
		return VerdictUnexpectedPass
	case outcome == OutcomeFail && exp.Outcome == OutcomeFail:
		return VerdictExpectedFail
	case outcome == OutcomeSkip && exp.Outcome == OutcomeSkip:
		return VerdictExpectedSkip
	default:
		return Verdict(outcome)
	}
}

// ScenarioResult is one cell of the table.
type ScenarioResult struct {
	ID      string  `json:"id"`
	Outcome Outcome `json:"outcome"`
	Verdict Verdict `json:"verdict"`
	// Seconds is the scenario's duration as go test measured it.
	Seconds float64 `json:"seconds"`
	// Detail is the failure's first message or the skip's reason.
	Detail string `json:"detail,omitempty"`
	// Expected is the known difference matched, if any.
	Expected *Expected `json:"expected,omitempty"`
	// RanAt is when the scenario suite started.
	RanAt time.Time `json:"ranAt"`
}

// Run is one row of the table: a Cilium release and what ran on it.
type Run struct {
	Cilium         string             `json:"cilium"`
	NodeImage      versions.NodeImage `json:"nodeImage"`
	CertManager    string             `json:"certManager"`
	TrustManager   string             `json:"trustManager"`
	InterceptChart string             `json:"interceptChart"`
	Upstream       string             `json:"upstream"`
	ClusterName    string             `json:"clusterName"`
	Phases         []steps.Result     `json:"phases,omitempty"`
	Scenarios      []ScenarioResult   `json:"scenarios"`
	// Error is why the combination could not run its scenarios.
	Error string `json:"error,omitempty"`
	// RootCause is the doctor's diagnosis after an unexpected failure.
	RootCause string `json:"rootCause,omitempty"`
	// KeptCluster is true when the failed cluster was left for inspection.
	KeptCluster bool `json:"keptCluster,omitempty"`
}

// Results is the content of results.json.
type Results struct {
	SchemaVersion int `json:"schemaVersion"`
	// Note marks recorded samples and other hand-made results.
	Note string `json:"note,omitempty"`
	Runs []Run  `json:"runs"`
}

// Unexpected lists "<cilium> <scenario>: <verdict>" for every cell whose
// verdict contradicts the known differences, and "<cilium>: <error>" for
// combinations that could not run.
func (r *Results) Unexpected() []string {
	var out []string
	for _, run := range r.Runs {
		if run.Error != "" {
			out = append(out, fmt.Sprintf("%s: %s", run.Cilium, run.Error))
		}
		for _, s := range run.Scenarios {
			if s.Verdict.Unexpected() {
				out = append(out, fmt.Sprintf("%s %s: %s", run.Cilium, s.ID, s.Verdict))
			}
		}
	}
	return out
}

// LoadResults reads results.json; a missing file gives empty results.
func LoadResults(path string) (*Results, error) {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return &Results{SchemaVersion: SchemaVersion}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	var r Results
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("parse results %s: %w", path, err)
	}
	if r.SchemaVersion != SchemaVersion {
		return nil, fmt.Errorf("results %s: schemaVersion %d, want %d", path, r.SchemaVersion, SchemaVersion)
	}
	return &r, nil
}

// JSON returns the results as indented JSON with a trailing newline.
func (r *Results) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode results: %w", err)
	}
	return append(b, '\n'), nil
}

// Merge folds newer into r: a run of a release r does not have is added; a
// run of a release it has replaces the row's metadata and the cells newer
// ran, keeping the cells newer did not run. Rows are sorted by release,
// cells by column.
func (r *Results) Merge(newer *Results) {
	for _, n := range newer.Runs {
		i := slices.IndexFunc(r.Runs, func(o Run) bool { return o.Cilium == n.Cilium })
		if i < 0 {
			r.Runs = append(r.Runs, n)
			continue
		}
		r.Runs[i] = mergeRun(r.Runs[i], n)
	}
	r.SchemaVersion = SchemaVersion
	r.sort()
}

func mergeRun(old, n Run) Run {
	cells := n.Scenarios
	for _, o := range old.Scenarios {
		if !slices.ContainsFunc(cells, func(c ScenarioResult) bool { return c.ID == o.ID }) {
			cells = append(cells, o)
		}
	}
	n.Scenarios = cells
	return n
}

func (r *Results) sort() {
	slices.SortFunc(r.Runs, func(a, b Run) int { return compareRelease(a.Cilium, b.Cilium) })
	for i := range r.Runs {
		slices.SortFunc(r.Runs[i].Scenarios, func(a, b ScenarioResult) int {
			return cmp.Or(cmp.Compare(scenario.Order(a.ID), scenario.Order(b.ID)), cmp.Compare(a.ID, b.ID))
		})
	}
}

// compareRelease orders release strings by version; unparsable ones last.
func compareRelease(a, b string) int {
	va, ea := versions.ParseCilium(a)
	vb, eb := versions.ParseCilium(b)
	switch {
	case ea == nil && eb == nil:
		return va.Compare(vb)
	case ea == nil:
		return -1
	case eb == nil:
		return 1
	}
	return cmp.Compare(a, b)
}
