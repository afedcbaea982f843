package doctor

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeDump(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const goodConfigMap = `apiVersion: v1
kind: ConfigMap
metadata:
  name: cilium-config
  namespace: kube-system
data:
  enable-l7-proxy: "true"
`

func TestDumpErrorsNameFileAndLine(t *testing.T) {
	cases := []struct {
		name, file, text, want string
	}{
		{name: "bad indentation in the second document", file: "cilium.yaml",
			text: goodConfigMap + "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n   namespace: y\n",
			want: "cilium.yaml:13: mapping values are not allowed"},
		{name: "tab in the first document", file: "pods.yml",
			text: "apiVersion: v1\nkind: Pod\nmetadata:\n\tname: x\n",
			want: "pods.yml:4: "},
		{name: "document without kind", file: "sub/x.yaml",
			text: goodConfigMap + "---\n# a comment\napiVersion: v1\nmetadata: {}\n",
			want: "x.yaml:9: document has no kind"},
		{name: "list with broken items", file: "list.json",
			text: `{"apiVersion":"v1","kind":"List","items":[1]}`,
			want: "list.json:1: "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := writeDump(t, map[string]string{c.file: c.text})
			_, err := DumpSource{Dir: dir}.Gather(context.Background(), Scope{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Gather error = %v, want it to contain %q", err, c.want)
			}
			var de *DumpError
			if !errors.As(err, &de) || filepath.Base(de.File) != filepath.Base(c.file) || de.Line < 1 {
				t.Fatalf("Gather error %v is not a *DumpError naming %s and a line", err, c.file)
			}
		})
	}
}

func TestDumpReadsListsAndDocuments(t *testing.T) {
	dir := writeDump(t, map[string]string{
		"a.yaml": goodConfigMap + "---\n---\n" + `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata: {name: p1, namespace: intercept-workload}
- apiVersion: v1
  kind: Pod
  metadata: {name: p2, namespace: intercept-workload}
- apiVersion: v1
  kind: Service
  metadata: {name: ignored, namespace: intercept-workload}
`,
		"ciliumendpoints.yaml": "apiVersion: v1\nkind: List\nitems: []\nmetadata:\n  resourceVersion: \"\"\n",
		"notes.md":             "not read",
		"logs/cilium-abc.log":  "level=info msg=started\n",
	})
	st, err := DumpSource{Dir: dir}.Gather(context.Background(), Scope{})
	if err != nil {
		t.Fatal(err)
	}
	if len(st.ConfigMaps) != 1 || len(st.Pods) != 2 || len(st.AgentLogs) != 1 || st.AgentLogs[0].Pod != "cilium-abc" {
		t.Fatalf("got %d configmaps, %d pods, logs %+v; want 1, 2 and cilium-abc", len(st.ConfigMaps), len(st.Pods), st.AgentLogs)
	}
	if _, missing := st.Missing[KindCiliumEndpoint]; missing {
		t.Error("an empty list in ciliumendpoints.yaml should count as dumped")
	}
	if r := st.Missing[KindSecret]; !strings.Contains(r, "kubectl get secrets -A -o yaml") {
		t.Errorf("missing secrets reason = %q, want the kubectl command that dumps them", r)
	}
}

func TestMissingKindsSkipTheirChecks(t *testing.T) {
	dir := writeDump(t, map[string]string{"cm.yaml": goodConfigMap})
	rep, err := Run(context.Background(), DumpSource{Dir: dir}, Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	f := rep.Finding("cilium-agents")
	if f.Status != StatusSkip || !strings.Contains(f.Reason, "the dump has no DaemonSet") {
		t.Fatalf("cilium-agents = %s %q, want a skip naming the DaemonSet", f.Status, f.Reason)
	}
	if rep.Failed() {
		t.Fatalf("a dump with missing kinds failed at %q:\n%s", rep.RootCause, textOf(t, rep))
	}
}

func TestDumpDirectoryErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "f.yaml")
	if err := os.WriteFile(file, []byte(goodConfigMap), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{filepath.Join(t.TempDir(), "absent"), file} {
		if _, err := (DumpSource{Dir: dir}).Gather(context.Background(), Scope{}); err == nil || !strings.Contains(err.Error(), dir) {
			t.Errorf("Gather(%s) error = %v, want it to name the path", dir, err)
		}
	}
}
