package doctor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// DumpSource reads a State from a directory of manifests as `kubectl get -o
// yaml` writes them (multi-document files and List kinds) and of optional
// agent logs named <pod>.log. Subdirectories are read too.
type DumpSource struct {
	// Dir is the dump directory.
	Dir string
}

// Gather implements Source. A file that does not parse is an error naming
// the file and line. A kind with no object in the dump is recorded as
// missing.
func (d DumpSource) Gather(ctx context.Context, scope Scope) (*State, error) {
	files, err := dumpFiles(d.Dir)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%w: %s holds no manifests (*.yaml, *.yml, *.json) and no agent logs (*.log); make one with %s",
			ErrIncompleteDump, d.Dir, requiredCommands())
	}
	st := &State{Source: "dump " + d.Dir}
	var objs []*unstructured.Unstructured
	present := map[Kind]bool{}
	where := map[string]string{} // object -> the file it came from
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if strings.HasSuffix(f, ".log") {
			text, err := os.ReadFile(f)
			if err != nil {
				return nil, fmt.Errorf("read dump: %w", err)
			}
			l := AgentLog{Pod: strings.TrimSuffix(filepath.Base(f), ".log"), Text: string(text)}
			if filepath.Base(filepath.Dir(f)) == EnvoyLogDir {
				st.EnvoyLogs = append(st.EnvoyLogs, l)
			} else {
				st.AgentLogs = append(st.AgentLogs, l)
			}
			continue
		}
		got, emptyList, err := decodeFile(f)
		if err != nil {
			return nil, err
		}
		if err := checkOneDump(d.Dir, f, got, where); err != nil {
			return nil, err
		}
		objs = append(objs, got...)
		if k, ok := kindOfFile(f); ok && emptyList {
			present[k] = true
		}
	}
	if err := st.addObjects(objs); err != nil {
		return nil, err
	}
	st.markAbsentKinds(present, "the dump has no %s (add `kubectl get %s -o yaml` to it)")
	if len(st.AgentLogs) == 0 {
		st.markMissing(KindAgentLog, "the dump has no agent logs (add `kubectl -n kube-system logs <cilium pod> > <cilium pod>.log`)")
	}
	if len(st.EnvoyLogs) == 0 {
		st.markMissing(KindEnvoyLog, "the dump has no Envoy logs (add `kubectl -n kube-system logs <cilium-envoy pod> > logs/envoy/<cilium-envoy pod>.log`)")
	}
	if err := st.requireKinds(d.Dir); err != nil {
		return nil, err
	}
	if err := readDatapath(d.Dir, st); err != nil {
		return nil, err
	}
	return st, nil
}

// dumpFiles lists the manifest and log files under dir, sorted.
func dumpFiles(dir string) ([]string, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("read dump: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("read dump: %s is not a directory", dir)
	}
	var files []string
	err = filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".yaml", ".yml", ".json", ".log":
			if !e.IsDir() {
				files = append(files, p)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read dump: %w", err)
	}
	sort.Strings(files)
	return files, nil
}

// DumpError is a dump file that does not parse, with the line it fails at.
type DumpError struct {
	File string
	Line int
	Err  error
}

// Error returns "file:line: reason".
func (e *DumpError) Error() string { return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err) }

// Unwrap returns the parse error.
func (e *DumpError) Unwrap() error { return e.Err }

// yamlLine finds "yaml: line N: " in a YAML parser error.
var yamlLine = regexp.MustCompile(`(?:yaml: )?line (\d+): `)

// decodeFile splits a file into documents, expands List kinds and returns
// the objects, and whether the file held an empty List. Errors name the
// file and the line.
func decodeFile(path string) ([]*unstructured.Unstructured, bool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, false, fmt.Errorf("read dump: %w", err)
	}
	emptyList := false
	var out []*unstructured.Unstructured
	for _, doc := range splitDocuments(data) {
		js, err := yaml.YAMLToJSON(doc.body)
		if err != nil {
			return nil, false, &DumpError{File: path, Line: doc.line + errorLine(err) - 1, Err: errors.New(yamlLine.ReplaceAllString(err.Error(), ""))}
		}
		if bytes.Equal(bytes.TrimSpace(js), []byte("null")) {
			continue
		}
		var u unstructured.Unstructured
		if err := json.Unmarshal(js, &u.Object); err != nil {
			return nil, false, &DumpError{File: path, Line: doc.line, Err: fmt.Errorf("not a Kubernetes object: %w", err)}
		}
		if u.GetKind() == "" {
			return nil, false, &DumpError{File: path, Line: doc.line, Err: errors.New("document has no kind")}
		}
		items, err := expandList(&u)
		if err != nil {
			return nil, false, &DumpError{File: path, Line: doc.line, Err: err}
		}
		emptyList = emptyList || (u.IsList() && len(items) == 0)
		out = append(out, items...)
	}
	return out, emptyList, nil
}

// kindOfFile returns the kind a file is named after ("ciliumendpoints.yaml",
// "cep.yaml"), so that an empty List in it still says the kind was dumped.
func kindOfFile(path string) (Kind, bool) {
	base := strings.ToLower(strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)))
	for _, k := range dumpKinds() {
		for _, alias := range k.aliases {
			if base == alias {
				return k.kind, true
			}
		}
	}
	return "", false
}

// errorLine returns the line a YAML error names, or 1.
func errorLine(err error) int {
	m := yamlLine.FindStringSubmatch(err.Error())
	if m == nil {
		return 1
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

type document struct {
	line int // 1-based line of the document's first line in the file
	body []byte
}

// splitDocuments splits YAML on "---" separator lines, keeping line numbers.
func splitDocuments(data []byte) []document {
	lines := strings.SplitAfter(string(data), "\n")
	var docs []document
	cur := document{line: 1}
	var body strings.Builder
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimRight(l, " \t\r\n"), "---") && strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "---")) == "" {
			cur.body = []byte(body.String())
			docs = append(docs, cur)
			body.Reset()
			cur = document{line: i + 2}
			continue
		}
		body.WriteString(l)
	}
	cur.body = []byte(body.String())
	return append(docs, cur)
}

// expandList returns the items of a List kind, or u itself.
func expandList(u *unstructured.Unstructured) ([]*unstructured.Unstructured, error) {
	if !u.IsList() {
		return []*unstructured.Unstructured{u}, nil
	}
	list, err := u.ToList()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", u.GetKind(), err)
	}
	out := make([]*unstructured.Unstructured, 0, len(list.Items))
	for i := range list.Items {
		out = append(out, &list.Items[i])
	}
	return out, nil
}
