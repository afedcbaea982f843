package matrix

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/cilium-tls-intercept/sandbox/sandbox/scenario"
	"github.com/cilium-tls-intercept/sandbox/sandbox/steps"
)

// Report file names inside the results directory.
const (
	ResultsFile  = "results.json"
	MarkdownFile = "matrix.md"
)

// maxCell bounds the cause or reason shown in a table cell; results.json
// keeps the full text.
const maxCell = 100

// cellMark is the table marker of each verdict.
func cellMark(v Verdict) string {
	switch v {
	case VerdictPass:
		return "✅ pass"
	case VerdictFail:
		return "❌ **fail**"
	case VerdictSkip:
		return "⏭️ skip"
	case VerdictExpectedFail:
		return "🟡 expected fail"
	case VerdictExpectedSkip:
		return "⚪ expected skip"
	case VerdictUnexpectedPass:
		return "❗ **unexpected pass**"
	case VerdictError:
		return "⛔ **not run**"
	}
	return string(v)
}

// legend explains the markers under the table.
const legend = "✅ pass · ❌ fail (short cause) · ⏭️ skip (reason) · 🟡 expected fail · ⚪ expected skip" +
	" (a known difference: sandbox/versions/knownbugs.yaml or --expectations) · ❗ unexpected pass (a known difference did not show) · ⛔ not run" +
	" · — no result in this row (not selected, or recorded before the scenario existed)"

// Markdown renders the compatibility table: rows are releases, columns
// scenarios, then the details of every row (node image, chart versions,
// phase timings, the doctor's root cause).
func (r *Results) Markdown() []byte {
	var b bytes.Buffer
	b.WriteString("# Cilium TLS interception: compatibility matrix\n\n")
	if r.Note != "" {
		fmt.Fprintf(&b, "> %s\n\n", mdEscape(r.Note))
	}
	cols := r.columns()
	b.WriteString("| Cilium | Kubernetes |")
	for _, id := range cols {
		fmt.Fprintf(&b, " %s |", id)
	}
	b.WriteString("\n|---|---|" + strings.Repeat("---|", len(cols)) + "\n")
	for _, run := range r.Runs {
		fmt.Fprintf(&b, "| %s | %s |", run.Cilium, orDash(run.NodeImage.Kubernetes))
		for _, id := range cols {
			fmt.Fprintf(&b, " %s |", mdCell(run.cell(id)))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "\n%s\n\n## Runs\n\n", legend)
	b.WriteString("| Cilium | Node image | cert-manager | trust-manager | chart | upstream | up phases | root cause |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|\n")
	for _, run := range r.Runs {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", run.Cilium,
			code(run.NodeImage.Ref), orDash(run.CertManager), orDash(run.TrustManager),
			orDash(run.InterceptChart), orDash(run.Upstream), mdEscape(phaseSummary(run.Phases)),
			mdEscape(orDash(truncate(rootCause(run), 3*maxCell))))
	}
	return b.Bytes()
}

// Text renders a compact table for a terminal: one line per release, one
// word per scenario, then every unexpected cell with its detail.
func (r *Results) Text() []byte {
	var b bytes.Buffer
	cols := r.columns()
	rows := [][]string{append([]string{"CILIUM", "KUBERNETES"}, upper(cols)...)}
	for _, run := range r.Runs {
		row := []string{run.Cilium, orDash(run.NodeImage.Kubernetes)}
		for _, id := range cols {
			row = append(row, textWord(run.cell(id)))
		}
		rows = append(rows, row)
	}
	writeColumns(&b, rows)
	for _, run := range r.Runs {
		for _, s := range run.Scenarios {
			if s.Verdict.Unexpected() {
				fmt.Fprintf(&b, "%s %s: %s: %s\n", run.Cilium, s.ID, s.Verdict, orDash(s.Detail))
			}
		}
		if c := rootCause(run); c != "" {
			fmt.Fprintf(&b, "%s root cause: %s\n", run.Cilium, c)
		}
	}
	return b.Bytes()
}

// Record merges newer into the results in dir (if any) and writes
// results.json and matrix.md; it returns the merged results.
func Record(dir string, newer *Results) (*Results, error) {
	path := filepath.Join(dir, ResultsFile)
	merged, err := LoadResults(path)
	if err != nil {
		return nil, err
	}
	if newer.Note != "" {
		merged.Note = newer.Note
	}
	merged.Merge(newer)
	if err := Write(dir, merged); err != nil {
		return nil, err
	}
	return merged, nil
}

// Write writes results.json and matrix.md into dir, creating it.
func Write(dir string, r *Results) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	js, err := r.JSON()
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, ResultsFile), js, 0o644); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, MarkdownFile), r.Markdown(), 0o644); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	return nil
}

// columns are the scenarios present in any run, in column order.
func (r *Results) columns() []string {
	var cols []string
	for _, id := range scenario.All() {
		for _, run := range r.Runs {
			if run.cell(id) != nil {
				cols = append(cols, id)
				break
			}
		}
	}
	return cols
}

func (run Run) cell(id string) *ScenarioResult {
	for i := range run.Scenarios {
		if run.Scenarios[i].ID == id {
			return &run.Scenarios[i]
		}
	}
	return nil
}

// mdCell is the marker plus, where it helps, the short cause or reason.
func mdCell(s *ScenarioResult) string {
	if s == nil {
		return "—"
	}
	text := cellMark(s.Verdict)
	why := s.Detail
	switch {
	case s.Verdict == VerdictUnexpectedPass && s.Expected != nil:
		why = fmt.Sprintf("expected %s%s: %s", s.Expected.Outcome, refNote(s.Expected), s.Expected.Reason)
	case s.Expected != nil && (s.Verdict == VerdictExpectedFail || s.Verdict == VerdictExpectedSkip):
		text += refNote(s.Expected)
		why = s.Expected.Reason
	}
	if why != "" && s.Verdict != VerdictPass {
		text += ": " + truncate(why, maxCell)
	}
	return mdEscape(text)
}

// refNote is " (ref)" for an expectation with a reference (a known bug's
// ID and first reference), "" otherwise; it stays whole in a cell.
func refNote(e *Expected) string {
	if e.Ref == "" {
		return ""
	}
	return " (" + e.Ref + ")"
}

func textWord(s *ScenarioResult) string {
	if s == nil {
		return "-"
	}
	words := map[Verdict]string{VerdictPass: "pass", VerdictFail: "FAIL", VerdictSkip: "skip",
		VerdictExpectedFail: "xfail", VerdictExpectedSkip: "xskip", VerdictUnexpectedPass: "XPASS", VerdictError: "ERROR"}
	return words[s.Verdict]
}

func phaseSummary(ps []steps.Result) string {
	if len(ps) == 0 {
		return "—"
	}
	var parts []string
	for _, p := range ps {
		parts = append(parts, fmt.Sprintf("%s %.1fs", p.Name, p.Seconds))
	}
	return strings.Join(parts, ", ")
}

// rootCause joins the doctor's root cause and the run's error.
func rootCause(run Run) string {
	var parts []string
	for _, p := range []string{run.RootCause, run.Error} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, "; ")
}

func mdEscape(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.Join(strings.Fields(s), " ")
}

// code formats s as inline code, or a dash when empty.
func code(s string) string {
	if s == "" {
		return "—"
	}
	return "`" + s + "`"
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func upper(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToUpper(s)
	}
	return out
}
