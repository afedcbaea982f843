package podexec

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	utilexec "k8s.io/client-go/util/exec"
)

func TestExecResult(t *testing.T) {
	target := Target{Namespace: "ns", Pod: "p", Container: "curl"}
	cases := []struct {
		name     string
		err      error
		wantCode int
		wantErr  string
	}{
		{"success", nil, 0, ""},
		{"curl timeout", utilexec.CodeExitError{Err: errors.New("command terminated with exit code 28"), Code: 28}, 28, ""},
		{"wrapped exit", fmt.Errorf("stream: %w", utilexec.CodeExitError{Err: errors.New("exit 35"), Code: 35}), 35, ""},
		{"transport", errors.New("pods \"p\" not found"), 0, `exec in ns/p/curl: pods "p" not found (stderr "boom")`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := execResult(target, []byte("out"), []byte("boom"), tc.err)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || res.ExitCode != tc.wantCode || string(res.Stdout) != "out" {
				t.Errorf("result %+v err %v, want exit code %d", res, err, tc.wantCode)
			}
		})
	}
}
