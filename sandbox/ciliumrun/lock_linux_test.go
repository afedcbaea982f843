package ciliumrun

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLockReleaseWaitsForTheHolder checks that a second builder of the
// same release waits, saying so, until the first releases the lock.
func TestLockReleaseWaitsForTheHolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "1.20.2")
	var progress bytes.Buffer
	b := &Builder{Progress: &progress}
	unlock, err := b.lockRelease(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	if _, err := b.lockRelease(ctx, dir); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second lock while held: %v, want a deadline error", err)
	}
	if !strings.Contains(progress.String(), "waiting for another process building in "+dir) {
		t.Errorf("progress does not say it waits: %q", progress.String())
	}
	unlock()
	again, err := b.lockRelease(context.Background(), dir)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	again()
}
