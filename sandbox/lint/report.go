package lint

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// TextOptions tune WriteText.
type TextOptions struct {
	// Fixes prints every finding's fix under it, not only the root cause's.
	Fixes bool
}

// WriteText writes one line per finding with its mark (✗ fail, ! warn,
// ? assumed), then the counts, then the root cause and its fix.
func (r *Report) WriteText(w io.Writer, opts TextOptions) error {
	var b strings.Builder
	objects := "objects"
	if r.Objects == 1 {
		objects = "object"
	}
	fmt.Fprintf(&b, "lint: %d %s from %s (Cilium %s, %s)\n", r.Objects, objects, r.Source, r.CiliumVersion, r.SecretsMode)
	fmt.Fprintf(&b, "addresses: %s\n", r.Addresses)
	width := 0
	for _, f := range r.Findings {
		width = max(width, len(f.Check))
	}
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "%s %-*s  %s: %s\n", f.Status.Mark(), width, f.Check, f.Object, f.Reason)
		if opts.Fixes && f.Fix != "" {
			fmt.Fprintf(&b, "  %*s  fix: %s\n", width, "", f.Fix)
		}
	}
	c := map[Status]int{}
	for _, f := range r.Findings {
		c[f.Status]++
	}
	if len(r.Findings) == 0 {
		b.WriteString("✓ every check passed\n")
	}
	noun := "findings"
	if len(r.Findings) == 1 {
		noun = "finding"
	}
	fmt.Fprintf(&b, "\n%d %s: %d fail, %d warn, %d assumed\n", len(r.Findings), noun, c[StatusFail], c[StatusWarn], c[StatusAssume])
	if cause := r.Cause(); cause != nil {
		fmt.Fprintf(&b, "root cause: %s: %s: %s\nfix: %s\n", cause.Check, cause.Object, cause.Reason, cause.Fix)
	} else {
		b.WriteString("root cause: none found\n")
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	if r.Agent != nil {
		return r.Agent.WriteText(w)
	}
	return nil
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
