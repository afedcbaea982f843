package images

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"

	"github.com/distribution/reference"
	"github.com/docker/cli/cli/config"
	"github.com/docker/cli/cli/config/credentials"
	"github.com/moby/moby/api/types/registry"
)

// Credentials give the value of the X-Registry-Auth header a pull of an
// image sends: "" pulls anonymously.
type Credentials interface {
	RegistryAuth(ref string) (string, error)
}

// Anonymous pulls without credentials.
type Anonymous struct{}

// RegistryAuth returns "".
func (Anonymous) RegistryAuth(string) (string, error) { return "", nil }

// dockerHubAuthKey is the key the docker CLI keeps Docker Hub's
// credentials under: its v1 index address, not "docker.io" (docker/cli's
// cli/command/registry.go, authConfigKey, a copy of registry.IndexServer).
const dockerHubAuthKey = "https://index.docker.io/v1/"

// DockerConfig gives the credentials `docker pull` would send, read by
// docker/cli's own config package from the docker CLI's config.json:
// "auths" entries, the "credsStore" and "credHelpers" credential helpers
// (docker-credential-<name> on PATH), and the platform's default helper
// when the file names none, as `docker` finds it. Without credentials for
// a registry the pull is anonymous, as docker's is.
type DockerConfig struct {
	// Dir is the docker CLI's config directory; $DOCKER_CONFIG, else
	// ~/.docker, when empty.
	Dir string
}

// RegistryAuth returns the X-Registry-Auth value for pulling ref: the
// base64url-encoded JSON of the registry's credentials (moby's
// registry.AuthHeader format), or "" when there are none. An error names
// the config file or credential helper that failed.
func (c DockerConfig) RegistryAuth(ref string) (string, error) {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return "", fmt.Errorf("image %q: %w", ref, err)
	}
	key := reference.Domain(named)
	if key == "docker.io" {
		key = dockerHubAuthKey
	}
	cf, err := config.Load(c.dir())
	if err != nil {
		return "", fmt.Errorf("docker CLI config: %w", err)
	}
	if !cf.ContainsAuth() { // as config.LoadDefaultConfigFile, which docker uses
		cf.CredentialsStore = credentials.DetectDefaultStore(cf.CredentialsStore)
	}
	ac, err := cf.GetAuthConfig(key)
	if err != nil {
		return "", fmt.Errorf("credentials for %s from the docker CLI config in %s: %w", key, c.dir(), err)
	}
	if ac.Username == "" && ac.Password == "" && ac.Auth == "" && ac.IdentityToken == "" && ac.RegistryToken == "" {
		return "", nil
	}
	b, err := json.Marshal(registry.AuthConfig{
		Username: ac.Username, Password: ac.Password, Auth: ac.Auth, ServerAddress: key,
		IdentityToken: ac.IdentityToken, RegistryToken: ac.RegistryToken,
	})
	if err != nil {
		return "", err
	}
	return base64.URLEncoding.EncodeToString(b), nil
}

// dir is the config directory: Dir, $DOCKER_CONFIG, or config.Dir().
// DOCKER_CONFIG is read here on every call: config.Dir reads it once per
// process.
func (c DockerConfig) dir() string {
	if c.Dir != "" {
		return c.Dir
	}
	if d := os.Getenv(config.EnvOverrideConfigDir); d != "" {
		return d
	}
	return config.Dir()
}
