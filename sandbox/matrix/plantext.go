package matrix

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/cilium-tls-intercept/sandbox/sandbox/scenario"
)

// JSON returns the plan as indented JSON with a trailing newline.
func (p *Plan) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode plan: %w", err)
	}
	return append(b, '\n'), nil
}

// Text renders the plan for a terminal: the combinations, the expected
// differences and the Cilium values that differ between releases.
func (p *Plan) Text() []byte {
	var b bytes.Buffer
	scen := strings.Join(p.Scenarios, ", ")
	if len(p.Scenarios) == len(scenario.All()) {
		scen = fmt.Sprintf("all %d", len(p.Scenarios))
	}
	fmt.Fprintf(&b, "Matrix plan: %d combination(s); scenarios: %s; upstream: %s; results: %s\n\n",
		len(p.Combinations), scen, p.Upstream, p.ResultsDir)
	rows := [][]string{{"CILIUM", "KUBERNETES", "CLUSTER", "NODE IMAGE"}}
	for _, c := range p.Combinations {
		img := c.NodeImage.Ref
		if c.NodeImageFrom == NodeImageFromOverride {
			img += " (override)"
		}
		rows = append(rows, []string{c.Cilium, orDash(c.NodeImage.Kubernetes), c.ClusterName, img})
	}
	writeColumns(&b, rows)
	for _, c := range p.Combinations {
		if c.NodeImage.Note != "" {
			fmt.Fprintf(&b, "  %s on Kubernetes %s: %s\n", c.Cilium, c.NodeImage.Kubernetes, c.NodeImage.Note)
		}
	}
	if len(p.Combinations) > 0 {
		c := p.Combinations[0]
		fmt.Fprintf(&b, "\nCharts: cilium <release>, cert-manager %s, trust-manager %s, cilium-tls-intercept %s\n",
			c.Charts.CertManager, c.Charts.TrustManager, c.Charts.InterceptChart)
		fmt.Fprintf(&b, "Scenarios of %s run with: %s\n", c.Cilium, strings.Join(c.ScenarioFlags, " "))
	}
	p.writeExpected(&b)
	p.writeValuesDiff(&b)
	return b.Bytes()
}

func (p *Plan) writeExpected(b *bytes.Buffer) {
	b.WriteString("\nExpected differences:\n")
	n := 0
	for _, c := range p.Combinations {
		for _, id := range p.Scenarios {
			e, ok := c.Expected[id]
			if !ok {
				continue
			}
			n++
			fmt.Fprintf(b, "  %s %s: expected %s: %s", c.Cilium, id, e.Outcome, e.Reason)
			if e.Ref != "" {
				fmt.Fprintf(b, " (%s)", e.Ref)
			}
			b.WriteString("\n")
		}
	}
	if n == 0 {
		b.WriteString("  none: every selected scenario should pass\n")
	}
}

func (p *Plan) writeValuesDiff(b *bytes.Buffer) {
	fmt.Fprintf(b, "\nCilium values that differ between releases (from %s):\n", p.ValuesSource)
	if len(p.ValuesDiff) == 0 {
		b.WriteString("  none\n")
		return
	}
	releases := make([]string, 0, len(p.Combinations))
	for _, c := range p.Combinations {
		releases = append(releases, c.Cilium)
	}
	rows := [][]string{append([]string{"  KEY"}, releases...)}
	for _, d := range p.ValuesDiff {
		row := []string{"  " + d.Key}
		for _, r := range releases {
			row = append(row, d.ByRelease[r])
		}
		rows = append(rows, row)
	}
	writeColumns(b, rows)
}

// Releases returns the plan's releases in order.
func (p *Plan) Releases() []string {
	out := make([]string, 0, len(p.Combinations))
	for _, c := range p.Combinations {
		out = append(out, c.Cilium)
	}
	return slices.Clip(out)
}
