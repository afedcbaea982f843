package app

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"
)

// output is the report format of -o, the same three for every command.
type output string

const (
	outputText output = "text"
	outputJSON output = "json"
	outputYAML output = "yaml"
)

// outputs lists the formats, for help and completion.
func outputs() []string { return []string{string(outputText), string(outputJSON), string(outputYAML)} }

// bindOutput adds -o/--output to cmd, with its completion.
func bindOutput(cmd *cobra.Command, into *string, what string) {
	cmd.Flags().StringVarP(into, "output", "o", string(outputText), what+": text, json or yaml")
	completeFixed(cmd, "output", outputs()...)
}

// parseOutput checks an -o value; a bad one is a usage error.
func parseOutput(s string) (output, error) {
	switch o := output(s); o {
	case outputText, outputJSON, outputYAML:
		return o, nil
	}
	return "", withCode(ExitUsage, fmt.Errorf("invalid --output %q: want text, json or yaml", s))
}

// structured reports whether o is a data format rather than text.
func (o output) structured() bool { return o == outputJSON || o == outputYAML }

// printData writes v as indented JSON, or as YAML with the same field
// names (sigs.k8s.io/yaml goes through the JSON tags).
func printData(w io.Writer, o output, v any) error {
	var b []byte
	var err error
	if o == outputYAML {
		b, err = yaml.Marshal(v)
	} else {
		b, err = json.MarshalIndent(v, "", "  ")
		b = append(b, '\n')
	}
	if err != nil {
		return withCode(ExitFailed, fmt.Errorf("write %s: %w", o, err))
	}
	if _, err := w.Write(b); err != nil {
		return withCode(ExitFailed, fmt.Errorf("write %s: %w", o, err))
	}
	return nil
}

// printJSONBytes writes a JSON document a library rendered, converted to
// YAML when o asks for it.
func printJSONBytes(w io.Writer, o output, js []byte) error {
	if o == outputYAML {
		y, err := yaml.JSONToYAML(js)
		if err != nil {
			return withCode(ExitFailed, fmt.Errorf("write yaml: %w", err))
		}
		js = y
	}
	_, err := w.Write(js)
	return err
}
