package hermetic

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cert-manager/trust-manager/pkg/fspkg"

	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

func TestChartNamespaces(t *testing.T) {
	tests := []struct {
		name        string
		opts        ChartOptions
		want, wantN []string
		wantErr     error
	}{
		{
			name:  "1.20: Cilium's chart owns the secrets namespace",
			opts:  ChartOptions{Cilium: versions.MustParseCilium("1.20.2")},
			want:  []string{intercept.WorkloadNamespace},
			wantN: []string{SecretsNamespace, CertManagerNamespace},
		},
		{
			name: "1.16: the interception chart creates the secrets namespace",
			opts: ChartOptions{Cilium: versions.MustParseCilium("1.16.19")},
			want: []string{intercept.WorkloadNamespace, SecretsNamespace},
		},
		{
			name:  "workload namespace not created",
			opts:  ChartOptions{Values: map[string]any{"workload": map[string]any{"createNamespace": false}}},
			wantN: []string{intercept.WorkloadNamespace},
		},
		{
			name:    "bad values fail before anything starts",
			opts:    ChartOptions{Values: map[string]any{"intercept": map[string]any{"github": map[string]any{"domains": "github.com"}}}},
			wantErr: intercept.ErrInvalidValues,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := chartNamespaces(t.Context(), tt.opts)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, ns := range tt.want {
				if !got[ns] {
					t.Errorf("namespaces %v lack %s", got, ns)
				}
			}
			for _, ns := range tt.wantN {
				if got[ns] {
					t.Errorf("namespaces %v include %s", got, ns)
				}
			}
		})
	}
}

func TestWriteDefaultPackage(t *testing.T) {
	t.Run("missing system bundle", func(t *testing.T) {
		path, err := writeDefaultPackage(filepath.Join(t.TempDir(), "none.crt"), t.TempDir())
		if err != nil || path != "" {
			t.Fatalf("path %q, err %v; want no package and no error", path, err)
		}
	})
	t.Run("not PEM", func(t *testing.T) {
		src := filepath.Join(t.TempDir(), "bad.crt")
		if err := os.WriteFile(src, []byte("not a certificate"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := writeDefaultPackage(src, t.TempDir()); err == nil || !strings.Contains(err.Error(), src) {
			t.Fatalf("err = %v, want one naming %s", err, src)
		}
	})
	t.Run("system roots", func(t *testing.T) {
		if _, err := os.Stat(SystemTrustBundle); err != nil {
			t.Skipf("needs %s: %v", SystemTrustBundle, err)
		}
		path, err := writeDefaultPackage(SystemTrustBundle, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		pkg, err := fspkg.LoadPackageFromFile(path)
		if err != nil {
			t.Fatalf("trust-manager cannot load the package: %v", err)
		}
		if n := strings.Count(pkg.Bundle, "BEGIN CERTIFICATE"); n < 10 {
			t.Errorf("package holds %d certificates, want the system roots", n)
		}
	})
}
