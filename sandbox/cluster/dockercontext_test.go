package cluster

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
)

// writeContext stores a docker CLI context as `docker context create` does.
func writeContext(t *testing.T, dir, name, host string) {
	t.Helper()
	sum := sha256.Sum256([]byte(name))
	meta := filepath.Join(dir, "contexts", "meta", hex.EncodeToString(sum[:]))
	if err := os.MkdirAll(meta, 0o755); err != nil {
		t.Fatal(err)
	}
	body := `{"Name":"` + name + `","Metadata":{},"Endpoints":{"docker":{"Host":"` + host + `","SkipTLSVerify":false}}}`
	if err := os.WriteFile(filepath.Join(meta, "meta.json"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestContextHost(t *testing.T) {
	const desktop = "unix:///Users/me/.docker/run/docker.sock"
	cases := []struct {
		name    string
		env     map[string]string
		config  string
		want    string
		wantErr bool
	}{
		{name: "no config: default socket", want: ""},
		{name: "current context from config.json", config: `{"currentContext":"desktop-linux"}`, want: desktop},
		{name: "DOCKER_CONTEXT wins", config: `{"currentContext":"default"}`, env: map[string]string{"DOCKER_CONTEXT": "desktop-linux"}, want: desktop},
		{name: "DOCKER_HOST wins over contexts", config: `{"currentContext":"desktop-linux"}`, env: map[string]string{"DOCKER_HOST": "unix:///run/d.sock"}, want: ""},
		{name: "default context", config: `{"currentContext":"default"}`, want: ""},
		{name: "ssh context left to DOCKER_HOST", config: `{"currentContext":"remote"}`, want: ""},
		{name: "unknown context", config: `{"currentContext":"gone"}`, wantErr: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			home := t.TempDir()
			dir := filepath.Join(home, ".docker")
			writeContext(t, dir, "desktop-linux", desktop)
			writeContext(t, dir, "remote", "ssh://me@build")
			if c.config != "" {
				if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(c.config), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := ContextHost(func(k string) string { return c.env[k] }, home)
			if (err != nil) != c.wantErr || got != c.want {
				t.Fatalf("ContextHost = %q, %v; want %q, error %v", got, err, c.want, c.wantErr)
			}
		})
	}
}
