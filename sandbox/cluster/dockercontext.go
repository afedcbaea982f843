package cluster

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ContextHost is the daemon address of the Docker CLI's current context
// when it is not the default one, and "" otherwise. The docker CLI, which
// kind runs, follows `docker context use` (Docker Desktop's desktop-linux,
// Colima, Rancher Desktop); the Engine API client reads only DOCKER_HOST.
// Without this the preflight would report no daemon where kind finds one.
// getenv is os.Getenv in production; home is the user's home directory.
// Only unix and npipe endpoints are returned: the API client cannot dial
// ssh, and tcp endpoints need the context's TLS material.
func ContextHost(getenv func(string) string, home string) (string, error) {
	if getenv("DOCKER_HOST") != "" {
		return "", nil
	}
	dir := getenv("DOCKER_CONFIG")
	if dir == "" {
		dir = filepath.Join(home, ".docker")
	}
	name := getenv("DOCKER_CONTEXT")
	if name == "" {
		var err error
		if name, err = currentContext(dir); err != nil {
			return "", err
		}
	}
	if name == "" || name == "default" {
		return "", nil
	}
	sum := sha256.Sum256([]byte(name))
	metaPath := filepath.Join(dir, "contexts", "meta", hex.EncodeToString(sum[:]), "meta.json")
	b, err := os.ReadFile(metaPath)
	if err != nil {
		return "", fmt.Errorf("docker context %q: %w", name, err)
	}
	var meta struct {
		Endpoints map[string]struct {
			Host string `json:"Host"`
		} `json:"Endpoints"`
	}
	if err := json.Unmarshal(b, &meta); err != nil {
		return "", fmt.Errorf("docker context %q: %s: %w", name, metaPath, err)
	}
	host := meta.Endpoints["docker"].Host
	if strings.HasPrefix(host, "unix://") || strings.HasPrefix(host, "npipe://") {
		return host, nil
	}
	return "", nil
}

// currentContext is the currentContext of the Docker CLI's config.json.
func currentContext(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("docker CLI config: %w", err)
	}
	var cfg struct {
		CurrentContext string `json:"currentContext"`
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		return "", fmt.Errorf("docker CLI config %s: %w", filepath.Join(dir, "config.json"), err)
	}
	return cfg.CurrentContext, nil
}
