package ciliumrun

import (
	"context"
	"errors"
	"runtime"
	"testing"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// TestEnsureWithoutToolchain checks that a missing go command is named.
func TestEnsureWithoutToolchain(t *testing.T) {
	b := &Builder{Go: "/nonexistent/go", CacheDir: t.TempDir()}
	_, err := b.Ensure(context.Background(), versions.MustParseCilium("1.20.2"))
	want := ErrNoToolchain
	if runtime.GOOS != "linux" {
		want = ErrUnsupportedOS
	}
	if !errors.Is(err, want) {
		t.Fatalf("Ensure without a toolchain: %v, want %v", err, want)
	}
}

// TestGoErrorFetchFailed checks which go failures are blamed on fetching.
func TestGoErrorFetchFailed(t *testing.T) {
	for out, want := range map[string]bool{
		"go: github.com/cilium/cilium@v1.21.0: reading https://proxy.golang.org/...: 404 Not Found": true,
		"dial tcp: lookup proxy.golang.org: no such host":                                           true,
		"./agent.go:12:2: undefined: foo":                                                           false,
	} {
		if got := (&GoError{Output: out}).fetchFailed(); got != want {
			t.Errorf("fetchFailed(%q) = %v", out, got)
		}
	}
}
