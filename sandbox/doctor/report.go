package doctor

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Format is a report's output format.
type Format string

// The report formats.
const (
	FormatText Format = "text"
	FormatJSON Format = "json"
)

// ParseFormat accepts "text" or "json".
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case FormatText, FormatJSON:
		return f, nil
	}
	return "", fmt.Errorf("invalid output format %q: want text or json", s)
}

// Write renders rep in format f.
func (r *Report) Write(w io.Writer, f Format) error {
	if f == FormatJSON {
		return r.WriteJSON(w)
	}
	return r.WriteText(w)
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes one line per check with its mark, the evidence of
// failures and warnings indented below it, then the root cause and its fix.
func (r *Report) WriteText(w io.Writer) error { return r.WriteTextWith(w, TextOptions{}) }

// TextOptions tune the text report.
type TextOptions struct {
	// AllEvidence lists the evidence of every check, not only of failures
	// and warnings.
	AllEvidence bool
}

// WriteTextWith writes the text report with opts.
func (r *Report) WriteTextWith(w io.Writer, opts TextOptions) error {
	var b strings.Builder
	head := "doctor: " + r.Source
	if r.CiliumVersion != "" {
		head += " (Cilium " + r.CiliumVersion + ")"
	}
	b.WriteString(head + "\n")
	width := 0
	for _, f := range r.Findings {
		width = max(width, len(f.ID))
	}
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "%s %-*s  %s\n", f.Status.Mark(), width, f.ID, f.Reason)
		if opts.AllEvidence || f.Status == StatusFail || f.Status == StatusWarn {
			for _, ev := range f.Evidence {
				fmt.Fprintf(&b, "  %*s  · %s\n", width, "", ev)
			}
		}
	}
	c := r.Counts()
	fmt.Fprintf(&b, "\n%d checks: %d pass, %d fail, %d warn, %d skip, %d unread\n",
		len(r.Findings), c[StatusPass], c[StatusFail], c[StatusWarn], c[StatusSkip], c[StatusUnread])
	switch cause := r.Cause(); {
	case cause != nil:
		fmt.Fprintf(&b, "root cause: %s: %s\nfix: %s\n", cause.ID, cause.Reason, cause.Fix)
	case len(r.Unread) > 0:
		fmt.Fprintf(&b, "root cause: none found by the checks that ran; unread: %s (their lines say what could not be read)\n",
			strings.Join(r.Unread, ", "))
	default:
		b.WriteString("root cause: none found; interception should be active\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Names WriteReport writes in its directory.
const (
	ReportTextFile = "doctor.txt"
	ReportJSONFile = "doctor.json"
	StateDir       = "state"
)

// WriteReport runs the doctor over src and writes doctor.txt, doctor.json
// and the state it judged (state/, readable again with DumpSource) into
// dir, created if needed: what a failed scenario keeps as artifacts. A
// doctor that could not run writes its error into doctor.txt and returns it.
func WriteReport(ctx context.Context, dir string, src Source, opts Options) (*Report, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("write doctor report: %w", err)
	}
	opts.RecordDir = filepath.Join(dir, StateDir)
	rep, err := Run(ctx, src, opts)
	if rep == nil {
		msg := fmt.Sprintf("doctor could not run: %v\n", err)
		if werr := os.WriteFile(filepath.Join(dir, ReportTextFile), []byte(msg), 0o644); werr != nil {
			return nil, fmt.Errorf("write doctor report: %w", werr)
		}
		return nil, err
	}
	if err := writeFile(filepath.Join(dir, ReportTextFile), rep, FormatText); err != nil {
		return rep, err
	}
	if err := writeFile(filepath.Join(dir, ReportJSONFile), rep, FormatJSON); err != nil {
		return rep, err
	}
	return rep, err
}

func writeFile(path string, rep *Report, f Format) error {
	out, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write doctor report: %w", err)
	}
	if err := rep.Write(out, f); err != nil {
		out.Close()
		return fmt.Errorf("write doctor report %s: %w", path, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("write doctor report: %w", err)
	}
	return nil
}
