package matrix

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/cilium-tls-intercept/sandbox/sandbox/scenario"
)

// TestEvent is one line of `go test -json` (cmd/test2json's TestEvent).
type TestEvent struct {
	Time    time.Time `json:"Time"`
	Action  string    `json:"Action"`
	Package string    `json:"Package"`
	Test    string    `json:"Test"`
	Elapsed float64   `json:"Elapsed"`
	Output  string    `json:"Output"`
}

// SuiteSetupPrefix starts the message with which the scenario suite fails
// every scenario when its setup failed (scenarios/setup_test.go, require):
// such a scenario did not run, and is folded as OutcomeError.
const SuiteSetupPrefix = "scenario setup ("

// maxDetail bounds the failure or skip message kept per scenario.
const maxDetail = 300

// suiteOutput keeps the tail of output not attributed to a test (TestMain,
// build errors), to explain a suite that produced no scenario results.
const suiteOutputLines = 20

// Fold reads test2json events and returns one result per selected scenario,
// in column order, with the suite's unattributed output (last lines). A
// test belongs to a scenario when features maps its name (or a parent's)
// to one, as Discover finds, or when its name says so (ScenarioOf). A
// feature skipped because e2e-framework's label filter did not select it is
// left out; a selected scenario without any result gets OutcomeError.
func Fold(r io.Reader, selected []string, features map[string]string) ([]ScenarioResult, []string, error) {
	f := newFolder()
	f.features = features
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 4*1024*1024)
	for sc.Scan() {
		line := sc.Bytes()
		var ev TestEvent
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &ev) != nil {
			f.suite(string(line))
			continue
		}
		f.add(ev)
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("read test events: %w", err)
	}
	return f.results(selected), f.suiteLines, nil
}

type scenarioState struct {
	depth   int // depth of the shallowest test named after the scenario
	outcome Outcome
	seconds float64
	detail  string
	labels  bool // skipped by e2e-framework's label filter
	// inner counts the outcomes of the leaf tests below the scenario's
	// depth (e2e-framework assessments): a feature whose assessments all
	// skipped passes, but the scenario was skipped.
	inner map[Outcome]int
}

type folder struct {
	features   map[string]string // feature test name -> scenario ID
	states     map[string]*scenarioState
	lastMsg    map[string]string // test name -> last message it logged
	parents    map[string]bool   // tests that have subtests
	suiteLines []string
}

func newFolder() *folder {
	return &folder{states: map[string]*scenarioState{}, lastMsg: map[string]string{}, parents: map[string]bool{}}
}

func (f *folder) suite(line string) {
	line = strings.TrimRight(line, "\n")
	if strings.TrimSpace(line) == "" {
		return
	}
	f.suiteLines = append(f.suiteLines, line)
	if len(f.suiteLines) > suiteOutputLines {
		f.suiteLines = f.suiteLines[1:]
	}
}

func (f *folder) add(ev TestEvent) {
	if i := strings.LastIndex(ev.Test, "/"); ev.Action == "run" && i > 0 {
		f.parents[ev.Test[:i]] = true
	}
	id, depth := f.scenarioOf(ev.Test)
	if id == "" {
		if ev.Action == "output" || ev.Action == "build-output" {
			f.suite(ev.Output)
		}
		return
	}
	st := f.states[id]
	if st == nil {
		st = &scenarioState{depth: depth}
		f.states[id] = st
	}
	switch ev.Action {
	case "output":
		f.note(st, ev.Test, ev.Output)
	case "pass", "fail", "skip":
		if msg := f.lastMsg[ev.Test]; msg != "" && ev.Action != "pass" && st.detail == "" {
			st.detail = truncate(msg, maxDetail)
		}
		if testDepth(ev.Test) > depth {
			if !f.parents[ev.Test] {
				st.countInner(Outcome(ev.Action))
			}
			return
		}
		if depth < st.depth {
			*st = scenarioState{depth: depth, detail: st.detail, labels: st.labels, inner: st.inner}
		}
		if depth == st.depth {
			st.finish(Outcome(ev.Action), ev.Elapsed)
		}
	}
}

// finish folds one finished test at the scenario's depth into its state:
// a failure wins over a pass, a pass over a skip.
func (st *scenarioState) finish(o Outcome, elapsed float64) {
	st.seconds += elapsed
	rank := map[Outcome]int{"": 0, OutcomeSkip: 1, OutcomePass: 2, OutcomeFail: 3}
	if rank[o] > rank[st.outcome] {
		st.outcome = o
	}
}

// countInner records the outcome of a leaf test below the scenario's level.
func (st *scenarioState) countInner(o Outcome) {
	if st.inner == nil {
		st.inner = map[Outcome]int{}
	}
	st.inner[o]++
}

// final is the scenario's outcome: a pass whose inner tests all skipped
// is a skip.
func (st *scenarioState) final() Outcome {
	if st.outcome == OutcomePass && st.inner[OutcomeSkip] > 0 && st.inner[OutcomePass] == 0 && st.inner[OutcomeFail] == 0 {
		return OutcomeSkip
	}
	return st.outcome
}

func testDepth(name string) int { return strings.Count(name, "/") }

var (
	// goTestLine matches "    file_test.go:42: message".
	goTestLine = regexp.MustCompile(`^\s*[\w.-]+\.go:\d+: (.*)$`)
	// unmatchedLabels is e2e-framework's skip message for filtered features.
	unmatchedLabels = regexp.MustCompile(`^Skipping feature ".*": unmatched labels`)
)

// note keeps the last message each test logged (file:line: message): when
// the test then fails or skips, it is the t.Fatal or t.Skip message.
func (f *folder) note(st *scenarioState, test, out string) {
	m := goTestLine.FindStringSubmatch(strings.TrimRight(out, "\n"))
	if m == nil {
		return
	}
	msg := strings.TrimSpace(m[1])
	if unmatchedLabels.MatchString(msg) {
		st.labels = true
		return
	}
	f.lastMsg[test] = msg
}

func (f *folder) results(selected []string) []ScenarioResult {
	var out []ScenarioResult
	for _, id := range selected {
		st := f.states[id]
		switch {
		case st == nil || st.outcome == "":
			out = append(out, ScenarioResult{ID: id, Outcome: OutcomeError, Detail: "no test result for this scenario"})
		case st.labels && st.final() == OutcomeSkip:
			continue
		default:
			r := ScenarioResult{ID: id, Outcome: st.final(), Seconds: st.seconds}
			if r.Outcome != OutcomePass {
				r.Detail = st.detail
			}
			if r.Outcome == OutcomeFail && strings.HasPrefix(r.Detail, SuiteSetupPrefix) {
				r.Outcome = OutcomeError // it never ran: no known bug can explain it
			}
			out = append(out, r)
		}
	}
	return out
}

// scenarioOf attributes a test to a scenario: by the discovered feature
// names first, then by its own name.
func (f *folder) scenarioOf(test string) (string, int) {
	if test != "" && len(f.features) > 0 {
		segs := strings.Split(test, "/")
		for depth := range segs {
			if id, ok := f.features[strings.Join(segs[:depth+1], "/")]; ok {
				return id, depth
			}
		}
	}
	return ScenarioOf(test)
}

// ScenarioOf returns the scenario a go test name belongs to and the depth
// of the name's segment that says so: a feature named after the scenario
// ("TestTLS/rotation", "TestTLS/rotation:_renewed_leaf") or a test function
// ("TestRotation", "TestCACrtInSecret"). It returns "" when none does.
func ScenarioOf(testName string) (string, int) {
	if testName == "" {
		return "", 0
	}
	for depth, seg := range strings.Split(testName, "/") {
		if depth == 0 {
			seg = kebab(strings.TrimPrefix(seg, "Test"))
		}
		if id := scenarioPrefix(strings.ToLower(seg)); id != "" {
			return id, depth
		}
	}
	return "", 0
}

// scenarioPrefix returns the scenario ID seg equals or starts with,
// followed by a separator that is not part of an ID.
func scenarioPrefix(seg string) string {
	best := ""
	for _, id := range scenario.All() {
		if seg == id || strings.HasPrefix(seg, id) && strings.ContainsRune(":_ #(", rune(seg[len(id)])) {
			if len(id) > len(best) {
				best = id
			}
		}
	}
	return best
}

// kebab turns "CACrtInSecret" into "ca-crt-in-secret" and "L7Deny" into
// "l7-deny".
func kebab(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		if i > 0 && unicode.IsUpper(r) {
			prevLower := unicode.IsLower(rs[i-1]) || unicode.IsDigit(rs[i-1])
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if prevLower || (unicode.IsUpper(rs[i-1]) && nextLower) {
				b.WriteByte('-')
			}
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// truncate shortens s to n runes, marking the cut.
func truncate(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return strings.TrimSpace(string(rs[:n])) + "…"
}
