package cluster

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeDockerCLI puts an executable called docker on PATH; CheckDocker only
// looks it up, it does not run it.
func fakeDockerCLI(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "docker"), []byte("#!/bin/sh\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
}

func TestCheckDocker(t *testing.T) {
	closedSocket := filepath.Join(t.TempDir(), "docker.sock")
	l, err := net.Listen("unix", closedSocket)
	if err != nil {
		t.Fatal(err)
	}
	l.Close() // a socket path nobody listens on

	daemon := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/_ping") {
			w.Header().Set("Api-Version", "1.47")
			w.Header().Set("Ostype", "linux")
			w.WriteHeader(http.StatusOK)
			return
		}
		http.NotFound(w, r)
	}))
	defer daemon.Close()

	cases := []struct {
		name    string
		cli     bool
		host    string
		wantErr string
	}{
		{name: "no docker CLI", cli: false, host: "unix://" + closedSocket, wantErr: "docker CLI is not on PATH"},
		{name: "closed unix socket", cli: true, host: "unix://" + closedSocket, wantErr: "no Docker daemon reachable at unix://" + closedSocket},
		{name: "daemon answers ping", cli: true, host: "tcp://" + strings.TrimPrefix(daemon.URL, "http://")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.cli {
				fakeDockerCLI(t)
			} else {
				t.Setenv("PATH", t.TempDir())
			}
			t.Setenv("DOCKER_HOST", c.host)
			start := time.Now()
			err := CheckDocker(context.Background())
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("CheckDocker took %s, want under 5s", took)
			}
			if c.wantErr == "" {
				if err != nil {
					t.Fatalf("CheckDocker: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrNoDocker) || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("CheckDocker error = %v, want ErrNoDocker containing %q", err, c.wantErr)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans several lines: %q", err)
			}
		})
	}
}

func TestCheckDockerUnansweringDaemon(t *testing.T) {
	// A listener that accepts but never answers: the ping must time out.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	fakeDockerCLI(t)
	t.Setenv("DOCKER_HOST", "tcp://"+l.Addr().String())
	start := time.Now()
	err = CheckDocker(context.Background())
	if !errors.Is(err, ErrNoDocker) {
		t.Fatalf("CheckDocker error = %v, want ErrNoDocker", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("CheckDocker took %s, want under 5s", took)
	}
}
