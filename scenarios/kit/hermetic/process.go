package hermetic

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
)

// Processes returns the ids of the running kube-apiserver and etcd processes
// of this control plane, found in /proc by the per-run directories on their
// command lines. Empty after Stop, and on systems without /proc.
func (c *ControlPlane) Processes() []int {
	return processesWithArgs(c.markers)
}

// processesWithArgs lists processes whose command line contains one of
// markers.
func processesWithArgs(markers []string) []int {
	if len(markers) == 0 {
		return nil
	}
	paths, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	var pids []int
	for _, p := range paths {
		cmdline, err := os.ReadFile(p)
		if err != nil || !containsAny(cmdline, markers) {
			continue
		}
		pid, err := strconv.Atoi(filepath.Base(filepath.Dir(p)))
		if err == nil && pid != os.Getpid() {
			pids = append(pids, pid)
		}
	}
	return pids
}

func containsAny(b []byte, markers []string) bool {
	for _, m := range markers {
		if m != "" && bytes.Contains(b, []byte(m)) {
			return true
		}
	}
	return false
}
