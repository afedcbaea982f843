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

// emptyList is a dumped kind of which the cluster has no object.
const emptyList = "apiVersion: v1\nkind: List\nitems: []\n"

// withRequired adds empty DaemonSet and policy lists to files, so that the
// dump holds the kinds the doctor requires (with goodConfigMap).
func withRequired(files map[string]string) map[string]string {
	files["daemonsets.yaml"] = emptyList
	files["ciliumnetworkpolicies.yaml"] = emptyList
	return files
}

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
	dir := writeDump(t, withRequired(map[string]string{
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
	}))
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
	// The healthy state without its certificates.
	files := map[string]string{}
	healthy := filepath.Join("..", "..", "fixtures", "states", "healthy")
	err := filepath.WalkDir(healthy, func(p string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() || e.Name() == "certificates.yaml" {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(healthy, p)
		files[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(context.Background(), DumpSource{Dir: writeDump(t, files)}, Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"certificates", "certificate-sans"} {
		if f := rep.Finding(id); f.Status != StatusUnread || !strings.Contains(f.Reason, "the dump has no Certificate") {
			t.Errorf("%s = %s %q, want unread, naming the Certificates", id, f.Status, f.Reason)
		}
	}
	if rep.Failed() {
		t.Fatalf("a dump with missing kinds failed at %q:\n%s", rep.RootCause, textOf(t, rep))
	}
	if got := strings.Join(rep.Unread, ","); got != "certificates,certificate-sans" {
		t.Errorf("unread checks %q, want certificates,certificate-sans", got)
	}
	if text := textOf(t, rep); strings.Contains(text, "interception should be active") || !strings.Contains(text, "unread: certificates, certificate-sans") {
		t.Errorf("the report claims health though checks did not run:\n%s", text)
	}
}

// TestDumpsTheDoctorCannotJudge: an empty directory, a dump without the
// agents, cilium-config or the policies, and a directory of several dumps
// are refused naming what is wrong, rather than read as a healthy cluster.
func TestDumpsTheDoctorCannotJudge(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		dir   string
		want  []string
	}{
		{name: "empty", files: map[string]string{"notes.md": "not a dump"},
			want: []string{"holds no manifests", "kubectl get daemonsets -A -o yaml"}},
		{name: "only a ConfigMap", files: map[string]string{"cm.yaml": goodConfigMap},
			want: []string{"has no DaemonSet", "nor CiliumNetworkPolicy", "kubectl get ciliumnetworkpolicies -A -o yaml"}},
		{name: "several dumps", dir: filepath.Join("..", "..", "fixtures", "states"),
			want: []string{"holds several dumps", "agent-log-tls-context-error/", "give --from one dump directory"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := c.dir
			if dir == "" {
				dir = writeDump(t, c.files)
			}
			_, err := Run(context.Background(), DumpSource{Dir: dir}, Options{Now: fixedNow})
			if !errors.Is(err, ErrIncompleteDump) {
				t.Fatalf("Run error = %v, want ErrIncompleteDump", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
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
