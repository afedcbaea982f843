package crds

import (
	"context"
	"testing"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/validation"
)

func TestEmbeddedCRDsAreValid(t *testing.T) {
	sets := []struct {
		name string
		crds []*apiextensionsv1.CustomResourceDefinition
		want []string
	}{
		{"cilium", Cilium(), []string{
			"ciliumnetworkpolicies.cilium.io",
			"ciliumclusterwidenetworkpolicies.cilium.io",
			"ciliumendpoints.cilium.io",
			"ciliumidentities.cilium.io",
		}},
		{"cert-manager", CertManager(), []string{
			"certificates.cert-manager.io",
			"certificaterequests.cert-manager.io",
			"issuers.cert-manager.io",
			"clusterissuers.cert-manager.io",
			"orders.acme.cert-manager.io",
			"challenges.acme.cert-manager.io",
		}},
		{"trust-manager", TrustManager(), []string{"bundles.trust.cert-manager.io"}},
	}
	for _, set := range sets {
		t.Run(set.name, func(t *testing.T) {
			got := map[string]bool{}
			for _, crd := range set.crds {
				got[crd.Name] = true
				internal := &apiextensions.CustomResourceDefinition{}
				if err := apiextensionsv1.Convert_v1_CustomResourceDefinition_To_apiextensions_CustomResourceDefinition(crd, internal, nil); err != nil {
					t.Fatalf("%s: convert: %v", crd.Name, err)
				}
				// The API server records the storage version on create.
				for _, v := range internal.Spec.Versions {
					if v.Storage {
						internal.Status.StoredVersions = append(internal.Status.StoredVersions, v.Name)
					}
				}
				if errs := validation.ValidateCustomResourceDefinition(context.Background(), internal); len(errs) > 0 {
					t.Errorf("%s is not a valid CRD: %v", crd.Name, errs.ToAggregate())
				}
			}
			for _, name := range set.want {
				if !got[name] {
					t.Errorf("missing CRD %s (have %d CRDs)", name, len(set.crds))
				}
			}
		})
	}
	if n, want := len(All()), len(Cilium())+7; n != want {
		t.Errorf("All() returned %d CRDs, want %d", n, want)
	}
}

func TestCallersOwnTheirCopies(t *testing.T) {
	first := TrustManager()
	first[0].Spec.Group = "changed.example.com"
	if again := TrustManager(); again[0].Spec.Group != "trust.cert-manager.io" {
		t.Fatalf("a caller's change leaked into the next call: group %q", again[0].Spec.Group)
	}
}

func TestParse(t *testing.T) {
	cases := []struct {
		name, doc, wantErr string
	}{
		{"leading separator", "---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: a.b\n", ""},
		{"not a crd", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n", `not a named CustomResourceDefinition (kind "ConfigMap"`},
		{"unknown field", "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: a.b\nspec:\n  bogus: 1\n", `unknown field "bogus"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.doc))
			if c.wantErr == "" {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				return
			}
			if err == nil || !contains(err.Error(), c.wantErr) {
				t.Fatalf("Parse error = %v, want it to contain %q", err, c.wantErr)
			}
		})
	}
}
