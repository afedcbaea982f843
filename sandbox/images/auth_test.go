package images

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/moby/moby/api/types/registry"
	"sigs.k8s.io/kind/pkg/cluster/nodes"
)

const (
	nodeImageRef = "kindest/node:v1.36.4" // Docker Hub, where the anonymous rate limit bites
	quayRef      = "quay.io/cilium/operator-generic:v1.20.2"
)

// dockerConfig writes config.json into a new directory and points
// DOCKER_CONFIG at it for the test.
func dockerConfig(t *testing.T, config string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_CONFIG", dir)
}

// credentialHelper puts a fake docker-credential-<name> on PATH that, as
// the docker-credential-helpers protocol has it, reads the server address
// on stdin for "get" and prints its credentials as JSON, or "credentials
// not found in native keychain" with exit 1 for any other address.
func credentialHelper(t *testing.T, name, server, user, secret string) {
	t.Helper()
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("needs sh to run a fake credential helper")
	}
	dir := t.TempDir()
	script := `#!/bin/sh
read server
if [ "$1" = get ] && [ "$server" = "` + server + `" ]; then
  printf '{"ServerURL":"%s","Username":"` + user + `","Secret":"` + secret + `"}' "$server"
  exit 0
fi
echo "credentials not found in native keychain"
exit 1
`
	if err := os.WriteFile(filepath.Join(dir, "docker-credential-"+name), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
}

// decodeAuth decodes an X-Registry-Auth value (base64url JSON).
func decodeAuth(t *testing.T, v string) registry.AuthConfig {
	t.Helper()
	var ac registry.AuthConfig
	if v == "" {
		return ac
	}
	b, err := base64.URLEncoding.DecodeString(v)
	if err != nil {
		t.Fatalf("X-Registry-Auth %q is not base64url: %v", v, err)
	}
	if err := json.Unmarshal(b, &ac); err != nil {
		t.Fatalf("X-Registry-Auth %s: %v", b, err)
	}
	return ac
}

// TestLoadSendsDockerCredentials: pulls send the credentials `docker pull`
// would send, from the docker CLI's config in $DOCKER_CONFIG: an "auths"
// entry (Docker Hub's under its v1 index address) and a "credsStore"
// credential helper; a registry with no credentials is pulled anonymously.
func TestLoadSendsDockerCredentials(t *testing.T) {
	basic := base64.StdEncoding.EncodeToString([]byte("alice:hub-password"))
	cases := []struct {
		name              string
		config            string
		helper            bool
		wantUser, wantPwd string
	}{
		{name: "auths entry", config: `{"auths":{"https://index.docker.io/v1/":{"auth":"` + basic + `"}}}`,
			wantUser: "alice", wantPwd: "hub-password"},
		{name: "credsStore helper", config: `{"credsStore":"x"}`, helper: true, wantUser: "bob", wantPwd: "helper-token"},
		{name: "credHelpers for Docker Hub", config: `{"credHelpers":{"https://index.docker.io/v1/":"x"}}`, helper: true,
			wantUser: "bob", wantPwd: "helper-token"},
		{name: "no config file", config: ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.config != "" {
				dockerConfig(t, tc.config)
			} else {
				t.Setenv("DOCKER_CONFIG", t.TempDir())
			}
			if tc.helper {
				credentialHelper(t, "x", dockerHubAuthKey, "bob", "helper-token")
			}
			docker := &fakeDocker{host: map[string]bool{}}
			node := &fakeNode{name: "cp", crictl: `{"images":[]}`}
			_, err := Load(context.Background(), LoadInput{Docker: docker, Nodes: []nodes.Node{node}, Images: []string{nodeImageRef, quayRef}})
			if err != nil {
				t.Fatal(err)
			}
			hub := decodeAuth(t, docker.auth[nodeImageRef])
			if hub.Username != tc.wantUser || hub.Password != tc.wantPwd {
				t.Errorf("pull of %s sent user %q password %q, want %q %q", nodeImageRef, hub.Username, hub.Password, tc.wantUser, tc.wantPwd)
			}
			if tc.wantUser != "" && hub.ServerAddress != dockerHubAuthKey {
				t.Errorf("pull of %s sent server address %q, want %q", nodeImageRef, hub.ServerAddress, dockerHubAuthKey)
			}
			if got := docker.auth[quayRef]; got != "" {
				t.Errorf("pull of %s (no credentials for quay.io) sent %+v, want none", quayRef, decodeAuth(t, got))
			}
		})
	}
}

// TestEnsureOnHostHelperFails: a credential helper that fails leaves the
// pull anonymous, and the pull's error says why it had no credentials.
func TestEnsureOnHostHelperFails(t *testing.T) {
	dockerConfig(t, `{"credsStore":"missing-helper"}`)
	t.Setenv("PATH", t.TempDir())
	docker := &fakeDocker{host: map[string]bool{}}
	if _, err := EnsureOnHost(context.Background(), docker, nodeImageRef, nil); err != nil {
		t.Fatalf("EnsureOnHost: %v", err)
	}
	if got := docker.auth[nodeImageRef]; got != "" {
		t.Errorf("sent %q without a helper to read", got)
	}
	if _, err := (DockerConfig{}).RegistryAuth(nodeImageRef); err == nil {
		t.Error("RegistryAuth with a missing helper: no error naming it")
	}
	if v, err := (Anonymous{}).RegistryAuth(nodeImageRef); v != "" || err != nil {
		t.Errorf("Anonymous = %q, %v", v, err)
	}
}
