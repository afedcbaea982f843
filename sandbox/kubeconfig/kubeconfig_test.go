package kubeconfig

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const oneCluster = `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]
contexts: [{name: kind-x, context: {cluster: c, user: u}}, {name: other, context: {cluster: c, user: u}}]
current-context: kind-x
users: [{name: u, user: {token: t}}]
`

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good, empty := write("good", oneCluster), write("empty", "")
	home := t.TempDir()
	cases := []struct {
		name, path, context, env string
		none                     bool
		want                     string
	}{
		{name: "nothing anywhere", none: true, want: "no kubeconfig: $KUBECONFIG is unset and " + filepath.Join(home, ".kube", "config") + " does not exist or is empty; give --kubeconfig"},
		{name: "$KUBECONFIG names an empty file", env: empty, none: true, want: `no kubeconfig: $KUBECONFIG is "` + empty + `", and no file it names holds a cluster`},
		{name: "a given file that is absent", path: filepath.Join(dir, "absent"), want: `load kubeconfig "` + filepath.Join(dir, "absent") + `"`},
		{name: "a given file", path: good, want: `context "kind-x" (https://127.0.0.1:6443)`},
		{name: "$KUBECONFIG and a context", env: good, context: "other", want: `context "other" (https://127.0.0.1:6443)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("HOME", home)
			t.Setenv("KUBECONFIG", c.env)
			k, err := Open(c.path, c.context)
			got := ""
			if err != nil {
				got = err.Error()
			} else {
				got = k.Describe()
			}
			if errors.Is(err, ErrNone) != c.none || !strings.Contains(got, c.want) {
				t.Fatalf("Open(%q, %q) = %q (ErrNone %t), want %q (ErrNone %t)", c.path, c.context, got, errors.Is(err, ErrNone), c.want, c.none)
			}
		})
	}
}
