package ciliumrun

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// env is the go commands' environment: the user's, with workspaces off.
// Builds use go.mod and go.sum as they are (-mod=readonly): only `go mod
// tidy` writes them, so no build can pick another Cilium to satisfy an
// import.
func (b *Builder) env() []string {
	env := b.Env
	if env == nil {
		env = os.Environ()
	}
	flags := ""
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], "GOFLAGS="); ok {
			flags = v
			break
		}
	}
	return append(append([]string{}, env...), "GOWORK=off", "GOFLAGS="+strings.TrimSpace(flags+" -mod=readonly"))
}

// output runs a go command and returns its standard output.
func (b *Builder) output(ctx context.Context, dir, goTool string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, goTool, args...)
	cmd.Dir, cmd.Env = dir, b.env()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", &GoError{Args: args, Err: err, Output: stderr.String()}
	}
	return string(out), nil
}

// GoError is a go command that failed, with what it printed.
type GoError struct {
	Args   []string
	Err    error
	Output string
}

func (e *GoError) Error() string {
	return fmt.Sprintf("go %s: %v\n%s", strings.Join(e.Args, " "), e.Err, tail(e.Output, 30))
}

func (e *GoError) Unwrap() error { return e.Err }

// fetchFailed reports whether a go command failed to reach or be served by
// the module proxy.
func (e *GoError) fetchFailed() bool {
	for _, s := range []string{"proxy.golang.org", "dial tcp", "no such host", "Forbidden", "404 Not Found", "410 Gone",
		"verifying module", "not available", "unknown revision", "invalid version", "connection refused", "i/o timeout"} {
		if strings.Contains(e.Output, s) {
			return true
		}
	}
	return false
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("... (%d lines before)", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

// compile builds the helper module in mod into out, telling progress
// every ten seconds how many packages were compiled.
func (b *Builder) compile(ctx context.Context, goTool, mod, out string, v versions.Cilium, dropped string) error {
	ldflags := "-X 'main.droppedReplaces=" + dropped + "'"
	cmd := exec.CommandContext(ctx, goTool, "build", "-v", "-tags", buildTags(v), "-ldflags", ldflags, "-o", out, ".")
	cmd.Dir, cmd.Env = mod, b.env()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%w: %v", ErrNoToolchain, err)
	}
	var output strings.Builder
	var mu sync.Mutex
	compiled := 0
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			mu.Lock()
			output.WriteString(line + "\n")
			if !strings.HasPrefix(line, "go: ") && !strings.HasPrefix(line, "#") && !strings.Contains(line, " ") {
				compiled++
			}
			mu.Unlock()
		}
	}()
	b.tick(done, start, func() string {
		mu.Lock()
		defer mu.Unlock()
		return fmt.Sprintf("  compiling Cilium %s's packages: %d compiled (%s)", v, compiled, time.Since(start).Round(time.Second))
	})
	<-done
	if err := cmd.Wait(); err != nil {
		ge := &GoError{Args: []string{"build", "-tags", buildTags(v), "-o", out, "."}, Err: err, Output: output.String()}
		if ge.fetchFailed() {
			return fmt.Errorf("could not fetch the modules of Cilium %s's helper through the Go module proxy: %w", v, ge)
		}
		return fmt.Errorf("could not build the helper for Cilium %s in %s: %w", v, mod, ge)
	}
	return nil
}

// tick prints line() every ten seconds until done closes.
func (b *Builder) tick(done <-chan struct{}, start time.Time, line func() string) {
	if b.Progress == nil {
		return
	}
	go func() {
		t := time.NewTicker(10 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				fmt.Fprintln(b.Progress, line())
			}
		}
	}()
}
