package ciliumrun

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun/wire"
)

// Session is a running helper: requests go to its standard input, each
// answered on its standard output.
type Session struct {
	helper *Helper
	cmd    *exec.Cmd
	in     io.WriteCloser
	enc    *json.Encoder
	dec    *json.Decoder
	stderr *lastLines
	nextID int
}

// Start runs the helper. Its standard error (progress and Cilium's log
// lines) goes to logs when set, and its last lines are kept for errors.
func Start(ctx context.Context, h *Helper, logs io.Writer) (*Session, error) {
	cmd := exec.CommandContext(ctx, h.Path)
	s := &Session{helper: h, cmd: cmd, stderr: &lastLines{max: 40, also: logs}}
	cmd.Stderr = s.stderr
	var err error
	if s.in, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the helper for Cilium %s (%s): %w", h.Release, h.Path, err)
	}
	s.enc, s.dec = json.NewEncoder(s.in), json.NewDecoder(bufio.NewReader(out))
	return s, nil
}

// Call sends req and returns the helper's response; a Response carrying an
// Error is returned as an error.
func (s *Session) Call(req wire.Request) (*wire.Response, error) {
	s.nextID++
	req.ID, req.Protocol = s.nextID, wire.Version
	if err := s.enc.Encode(req); err != nil {
		return nil, s.failed(fmt.Errorf("send %s: %w", req.Op, err))
	}
	var resp wire.Response
	if err := s.dec.Decode(&resp); err != nil {
		return nil, s.failed(fmt.Errorf("read the answer to %s: %w", req.Op, err))
	}
	if resp.ID != req.ID {
		return nil, s.failed(fmt.Errorf("answer %d to request %d", resp.ID, req.ID))
	}
	if resp.Error != "" {
		return nil, fmt.Errorf("helper for Cilium %s: %s", s.helper.Release, resp.Error)
	}
	return &resp, nil
}

// failed adds the helper's last log lines to err.
func (s *Session) failed(err error) error {
	return fmt.Errorf("helper for Cilium %s: %w; its last log lines:\n%s", s.helper.Release, err, s.stderr.String())
}

// Close ends the helper's input and waits for it to exit.
func (s *Session) Close() error {
	err := s.in.Close()
	if werr := s.cmd.Wait(); werr != nil {
		err = errors.Join(err, s.failed(fmt.Errorf("exit: %w", werr)))
	}
	return err
}

// Lint runs the helper once on in.
func Lint(ctx context.Context, h *Helper, in *wire.LintRequest, logs io.Writer) (*wire.LintResult, error) {
	s, err := Start(ctx, h, logs)
	if err != nil {
		return nil, err
	}
	resp, err := s.Call(wire.Request{Op: wire.OpLint, Lint: in})
	if cerr := s.Close(); err == nil && cerr != nil {
		return nil, cerr
	}
	if err != nil {
		return nil, err
	}
	if resp.Lint == nil {
		return nil, fmt.Errorf("helper for Cilium %s answered lint without a result", h.Release)
	}
	return resp.Lint, nil
}

// lastLines keeps the last max lines written to it, passing every write
// on to also when set.
type lastLines struct {
	mu    sync.Mutex
	max   int
	lines []string
	part  string
	also  io.Writer
}

func (l *lastLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.also != nil {
		_, _ = l.also.Write(p)
	}
	text := l.part + string(p)
	parts := strings.Split(text, "\n")
	l.part = parts[len(parts)-1]
	l.lines = append(l.lines, parts[:len(parts)-1]...)
	if len(l.lines) > l.max {
		l.lines = l.lines[len(l.lines)-l.max:]
	}
	return len(p), nil
}

func (l *lastLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(append(append([]string{}, l.lines...), l.part), "\n")
}
