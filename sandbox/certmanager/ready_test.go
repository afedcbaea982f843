package certmanager

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/cilium-tls-intercept/sandbox/sandbox/cluster"
	"github.com/cilium-tls-intercept/sandbox/sandbox/resources"
)

func fakeDynamic(rejections int, calls *int, sawDryRun *bool) *dynamicfake.FakeDynamicClient {
	gvrs := map[schema.GroupVersionResource]string{
		{Group: "cert-manager.io", Version: "v1", Resource: "certificates"}: "CertificateList",
		resources.Bundles(): "BundleList",
	}
	dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), gvrs)
	dyn.PrependReactor("create", "*", func(a k8stesting.Action) (bool, runtime.Object, error) {
		*calls++
		if ca, ok := a.(k8stesting.CreateActionImpl); ok {
			*sawDryRun = len(ca.CreateOptions.DryRun) == 1 && ca.CreateOptions.DryRun[0] == metav1.DryRunAll
		}
		if *calls <= rejections {
			return true, nil, errors.New(`Internal error occurred: failed calling webhook "webhook.cert-manager.io": connection refused`)
		}
		return true, a.(k8stesting.CreateAction).GetObject(), nil
	})
	return dyn
}

func TestWaitWebhook(t *testing.T) {
	cases := []struct {
		name       string
		probe      *unstructured.Unstructured
		rejections int
		wantErr    string
		wantCalls  int
	}{
		{name: "admitted at once", probe: CertificateProbe(), wantCalls: 1},
		{name: "admitted after restarts", probe: BundleProbe(), rejections: 2, wantCalls: 3},
		{name: "never admitted", probe: CertificateProbe(), rejections: 1 << 30, wantErr: "dry-run create of Certificate sandbox-webhook-probe not admitted"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			calls, dryRun := 0, false
			err := waitWebhook(context.Background(), fakeDynamic(c.rejections, &calls, &dryRun), c.probe, 10*time.Millisecond, 300*time.Millisecond)
			if !dryRun {
				t.Error("the probe was not created in dry-run mode")
			}
			if c.wantErr != "" {
				if !errors.Is(err, cluster.ErrNotReady) || !strings.Contains(err.Error(), c.wantErr) || !strings.Contains(err.Error(), "connection refused") {
					t.Fatalf("error = %v, want ErrNotReady with %q and the last rejection", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("waitWebhook: %v", err)
			}
			if calls != c.wantCalls {
				t.Errorf("create called %d times, want %d", calls, c.wantCalls)
			}
		})
	}
}
