package install

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
)

// TestInstallChecksValuesBeforeTheCluster: values no supported release
// accepts are refused before the kubeconfig is even read, naming the value;
// values some release accepts (the 1.16 layout) go on to the cluster, whose
// release decides.
func TestInstallChecksValuesBeforeTheCluster(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-kubeconfig")
	cases := []struct {
		name    string
		set     []string
		invalid bool
		want    string
	}{
		{"a path Cilium's parser refuses", []string{"intercept.github.http[0].path=/meta("}, true,
			"intercept.github.http[0].path=/meta(: the agent of Cilium 1.20.2 refuses"},
		{"a misspelled group", []string{"intercept.gihtub.enabled=true"}, true, "intercept.gihtub"},
		{"a cilium.version given", []string{"cilium.version=1.15"}, true, `unsupported Cilium version "1.15"`},
		{"the 1.16 layout, refused by 1.17+ only", []string{"tlsSecrets.namespace=cilium-secrets"}, false, missing},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep, err := Install(context.Background(), Options{Kubeconfig: missing, Set: c.set})
			if err == nil || rep != nil {
				t.Fatalf("Install = %+v, %v; want an error and no report", rep, err)
			}
			if got := errors.Is(err, intercept.ErrInvalidValues); got != c.invalid {
				t.Errorf("Install error %q: invalid values = %t, want %t", err, got, c.invalid)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("Install error %q does not contain %q", err, c.want)
			}
		})
	}
}
