package doctor

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/cilium-tls-intercept/sandbox/sandbox/hubble"
)

// The data-path outputs in a dump: DatapathDir/<agent pod>/<file> holds
// what a cilium-dbg command printed (the file names are the checks',
// "endpoint-get-<id>.out", ...; fixtures/states/README.md lists them), with
// <file>.err beside it when the command failed: "exit code N" or "could
// not run: <error>" on its first line, then its error output. FlowsFile
// holds Hubble's flows as `hubble observe -o jsonpb` prints them. None of
// these end in .yaml, .json or .log, so the manifest reader passes them by.
const (
	DatapathDir = "datapath"
	FlowsFile   = "hubble-flows.jsonl"
	errSuffix   = ".err"
)

// readDatapath adds the data-path outputs of dump dir to st, and records
// as missing what the dump lacks.
func readDatapath(dir string, st *State) error {
	base := filepath.Join(dir, DatapathDir)
	agents, err := os.ReadDir(base)
	if errors.Is(err, fs.ErrNotExist) {
		st.markMissing(KindAgentOutput, fmt.Sprintf("the dump has no data-path outputs (%s/<agent pod>/: cilium-dbg's answers in the agent on the workload's node; sandbox doctor --record writes them)", DatapathDir))
		st.markMissing(KindHubbleFlow, fmt.Sprintf("the dump has no Hubble flows (%s/%s: hubble observe -o jsonpb of the workload pod's flows to and from its TLS ports, fixtures/states/README.md lists the commands)", DatapathDir, FlowsFile))
		return nil
	}
	if err != nil {
		return fmt.Errorf("read dump: %w", err)
	}
	for _, a := range agents {
		if a.IsDir() {
			if err := readAgentOutputs(filepath.Join(base, a.Name()), a.Name(), st); err != nil {
				return err
			}
		}
	}
	readFlows(filepath.Join(base, FlowsFile), st)
	return nil
}

func readAgentOutputs(dir, agent string, st *State) error {
	files, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("read dump: %w", err)
	}
	seen := map[string]bool{}
	for _, f := range files {
		name := strings.TrimSuffix(f.Name(), errSuffix)
		if f.IsDir() || seen[name] {
			continue
		}
		seen[name] = true
		o := AgentOutput{Agent: agent, File: name}
		if b, err := os.ReadFile(filepath.Join(dir, name)); err == nil {
			o.Stdout = string(b)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("read dump: %w", err)
		}
		if b, err := os.ReadFile(filepath.Join(dir, name+errSuffix)); err == nil {
			o.parseErrFile(string(b))
		}
		st.AgentOutputs = append(st.AgentOutputs, o)
	}
	return nil
}

var exitLine = regexp.MustCompile(`^exit code (\d+)$`)

// parseErrFile reads a <file>.err: its first line says how the command
// ended, the rest is what it printed on stderr.
func (o *AgentOutput) parseErrFile(text string) {
	first, rest, _ := strings.Cut(text, "\n")
	if m := exitLine.FindStringSubmatch(strings.TrimSpace(first)); m != nil {
		o.ExitCode, _ = strconv.Atoi(m[1])
		o.Stderr = rest
		return
	}
	if msg, ok := strings.CutPrefix(first, "could not run: "); ok {
		o.Err, o.Stderr = msg, rest
		return
	}
	o.ExitCode, o.Stderr = 1, text
}

// errFile is the .err file of a failed command, "" for one that succeeded.
func (o AgentOutput) errFile() string {
	switch {
	case o.Err != "":
		return "could not run: " + firstLineRaw(o.Err) + "\n" + o.Stderr
	case o.ExitCode != 0:
		return fmt.Sprintf("exit code %d\n%s", o.ExitCode, o.Stderr)
	}
	return ""
}

func firstLineRaw(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

func readFlows(path string, st *State) {
	b, err := os.ReadFile(path)
	if err != nil {
		st.markMissing(KindHubbleFlow, fmt.Sprintf("the dump has no Hubble flows (%s)", err))
		return
	}
	flows, err := hubble.ReadJSONL(bytes.NewReader(b))
	if err != nil {
		st.markMissing(KindHubbleFlow, fmt.Sprintf("%s does not parse: %v", path, err))
		return
	}
	st.Flows = flows
}

// writeDatapath records st's data-path outputs under dir/DatapathDir, with
// private keys removed, unless they could not be read.
func writeDatapath(dir string, st *State) error {
	base := filepath.Join(dir, DatapathDir)
	if _, missing := st.Missing[KindAgentOutput]; !missing {
		if err := os.MkdirAll(base, 0o755); err != nil {
			return fmt.Errorf("record state: %w", err)
		}
		for _, o := range st.AgentOutputs {
			if err := writeAgentOutput(base, o); err != nil {
				return err
			}
		}
	}
	if _, missing := st.Missing[KindHubbleFlow]; missing {
		return nil
	}
	if err := os.MkdirAll(base, 0o755); err != nil {
		return fmt.Errorf("record state: %w", err)
	}
	var b bytes.Buffer
	if err := hubble.WriteJSONL(&b, st.Flows); err != nil {
		return fmt.Errorf("record state: %w", err)
	}
	return writeRecord(filepath.Join(base, FlowsFile), b.String())
}

func writeAgentOutput(base string, o AgentOutput) error {
	d := filepath.Join(base, filepath.Base(o.Agent))
	if err := os.MkdirAll(d, 0o755); err != nil {
		return fmt.Errorf("record state: %w", err)
	}
	if err := writeRecord(filepath.Join(d, filepath.Base(o.File)), redactKeys(o.Stdout)); err != nil {
		return err
	}
	if e := o.errFile(); e != "" {
		return writeRecord(filepath.Join(d, filepath.Base(o.File)+errSuffix), redactKeys(e))
	}
	return nil
}

func writeRecord(path, text string) error {
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		return fmt.Errorf("record state: %w", err)
	}
	return nil
}

// privateKeyFields are the JSON keys whose values are key material in
// what the agent and Envoy print: Envoy's config dump (private_key, the
// session ticket keys of SDS secrets) and Cilium's TLS contexts
// (privateKey, which Cilium itself prints as "[redacted]").
var privateKeyFields = map[string]bool{"private_key": true, "privateKey": true, "PrivateKey": true, "session_ticket_keys": true}

var pemPrivateKey = regexp.MustCompile(`-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY-----`)

// redactKeys removes private key material from a command's output: PEM
// private key blocks anywhere, and in JSON the values of private key
// fields (re-indented when one was replaced). Certificates are kept.
func redactKeys(out string) string {
	out = pemPrivateKey.ReplaceAllString(out, Redacted)
	var v any
	dec := json.NewDecoder(strings.NewReader(out))
	dec.UseNumber()
	if dec.Decode(&v) != nil || dec.More() {
		return out
	}
	if !redactFields(v) {
		return out
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return out
	}
	return string(b) + "\n"
}

// redactFields replaces private key values in a decoded JSON value and
// reports whether it replaced any.
func redactFields(v any) bool {
	changed := false
	switch t := v.(type) {
	case map[string]any:
		for k, val := range t {
			if privateKeyFields[k] && !alreadyRedacted(val) {
				t[k] = Redacted
				changed = true
				continue
			}
			changed = redactFields(val) || changed
		}
	case []any:
		for _, val := range t {
			changed = redactFields(val) || changed
		}
	}
	return changed
}

// alreadyRedacted reports values Cilium or Envoy already redacted:
// "[redacted]", Envoy's base64 of it, or Redacted.
func alreadyRedacted(v any) bool {
	s, ok := v.(string)
	if !ok {
		if m, isMap := v.(map[string]any); isMap && len(m) == 1 {
			for _, inner := range m {
				return alreadyRedacted(inner)
			}
		}
		return false
	}
	return s == "[redacted]" || s == "W3JlZGFjdGVkXQ==" || s == Redacted
}
