package install

import (
	"fmt"
	"io"
	"strings"

	"github.com/cilium-tls-intercept/sandbox/sandbox/cilium"
)

// TextOptions tune WriteText.
type TextOptions struct {
	// AllNeeds lists every need, not only when one is missing.
	AllNeeds bool
}

// WriteText writes what an Install found that the user must know: each
// need of interception on the running Cilium with what was read, the helm
// line that adds what is missing, and what the chart lacks of a reused
// cert-manager or trust-manager with its fix.
func (r *Report) WriteText(w io.Writer, opts TextOptions) error {
	var b strings.Builder
	if c := r.Cilium; c != nil && (opts.AllNeeds || !c.OK()) {
		writeCilium(&b, c)
	}
	for _, k := range r.KnownBugs {
		fmt.Fprintf(&b, "warning: %s\n", k)
	}
	for _, d := range []*Dependency{r.CertManager, r.TrustManager} {
		if d != nil && (opts.AllNeeds || len(d.Missing()) > 0) {
			writeDependency(&b, d)
		}
	}
	if len(r.Leaves) > 0 {
		b.WriteString("left in the cluster:\n")
		for _, l := range r.Leaves {
			fmt.Fprintf(&b, "  - %s\n", l)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeCilium(b *strings.Builder, c *cilium.Check) {
	run := c.Running
	fmt.Fprintf(b, "%s (agents in %s, image %s):\n", c.Summary(), run.Namespace, run.Image)
	width := 0
	for _, n := range c.Needs {
		width = max(width, len(n.Title))
	}
	for _, n := range c.Needs {
		fmt.Fprintf(b, "  %s %-*s  %s\n", mark(n.Met, false), width, n.Title, n.Found)
		if !n.Met {
			fmt.Fprintf(b, "    %*s  %s\n", width, "", n.Why)
		}
	}
	if c.Upgrade == "" {
		return
	}
	b.WriteString("add what is missing on the running release (this keeps every other value), then restart the agents, which read cilium-config only at start:\n")
	fmt.Fprintf(b, "  %s\n  %s\n", c.Upgrade, c.Restart)
	if run.HelmRelease == "" {
		b.WriteString("  (the agents carry no Helm release annotation: if Cilium was not installed with Helm, set the same values in the tool that installed it)\n")
	}
}

func writeDependency(b *strings.Builder, d *Dependency) {
	fmt.Fprintf(b, "%s: %s\n", d.Found.Component.Name, describe(d))
	for _, n := range d.Needs {
		assumed := ""
		if n.Assumed {
			assumed = " (assumed)"
		}
		fmt.Fprintf(b, "  %s %s%s: %s\n", mark(n.Met, n.Assumed), n.Title, assumed, n.Found)
		if !n.Met || n.Assumed {
			fmt.Fprintf(b, "      %s\n", n.Why)
		}
		if !n.Met && n.Fix != "" {
			fmt.Fprintf(b, "      fix: %s\n", n.Fix)
		}
	}
}

func mark(met, assumed bool) string {
	switch {
	case assumed:
		return "?"
	case met:
		return "✓"
	}
	return "✗"
}
