package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
)

// logRecorder is a slog.Handler keeping the warnings and errors logged
// through it, rendered as "LEVEL msg key=value ...".
type logRecorder struct {
	mu    *sync.Mutex
	lines *[]string
	attrs []slog.Attr
}

func newLogRecorder() *logRecorder {
	return &logRecorder{mu: &sync.Mutex{}, lines: &[]string{}}
}

func (r *logRecorder) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }

func (r *logRecorder) Handle(_ context.Context, rec slog.Record) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", rec.Level, rec.Message)
	add := func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%q", a.Key, a.Value.String())
		return true
	}
	for _, a := range r.attrs {
		add(a)
	}
	rec.Attrs(add)
	r.record(b.String())
	return nil
}

func (r *logRecorder) record(line string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	*r.lines = append(*r.lines, line)
}

func (r *logRecorder) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *r
	c.attrs = append(append([]slog.Attr{}, r.attrs...), attrs...)
	return &c
}

// WithGroup keeps the records flat: the agent's policy code logs no groups.
func (r *logRecorder) WithGroup(string) slog.Handler { return r }

// recorded returns the lines kept so far.
func (r *logRecorder) recorded() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string{}, *r.lines...)
}
