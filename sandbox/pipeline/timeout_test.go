package pipeline

import (
	"strings"
	"testing"
	"time"
)

// TestTimeout: Options.Timeout replaces every wait's own default; zero keeps
// them; a negative one is refused before anything starts.
func TestTimeout(t *testing.T) {
	r, err := resolve(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.timeout(WorkloadTimeout); got != WorkloadTimeout {
		t.Errorf("zero Timeout: %s, want the default %s", got, WorkloadTimeout)
	}
	if r, err = resolve(Options{Timeout: 90 * time.Second}); err != nil {
		t.Fatal(err)
	}
	if got := r.timeout(HelmTimeout); got != 90*time.Second {
		t.Errorf("Timeout 90s: %s", got)
	}
	if _, err := resolve(Options{Timeout: -time.Second}); err == nil || !strings.Contains(err.Error(), "invalid timeout -1s") {
		t.Errorf("negative Timeout: %v, want it refused", err)
	}
}
