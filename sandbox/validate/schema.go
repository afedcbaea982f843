package validate

import (
	"context"
	"fmt"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	structuraldefaulting "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/listtype"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	apiservervalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	metavalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"

	"github.com/cilium-tls-intercept/sandbox/sandbox/crds"
)

// crdSchema is one served version of a CRD, compiled as the API server does.
type crdSchema struct {
	namespaced bool
	validator  apiservervalidation.SchemaValidator
	structural *structuralschema.Structural
	cel        *cel.Validator // nil when the schema has no CEL rules
}

// schemaSet holds the compiled schemas of the kinds present in the objects.
type schemaSet struct {
	byGVK map[schema.GroupVersionKind]*crdSchema
	// groups are the API groups the embedded CRDs define.
	groups map[string]bool
}

// newSchemaSet compiles the embedded CRD versions the objects use.
func newSchemaSet(objs []*unstructured.Unstructured) (*schemaSet, error) {
	want := map[schema.GroupVersionKind]bool{}
	for _, o := range objs {
		want[o.GroupVersionKind()] = true
	}
	set := &schemaSet{byGVK: map[schema.GroupVersionKind]*crdSchema{}, groups: map[string]bool{}}
	for _, crd := range crds.All() {
		set.groups[crd.Spec.Group] = true
		for _, v := range crd.Spec.Versions {
			gvk := schema.GroupVersionKind{Group: crd.Spec.Group, Version: v.Name, Kind: crd.Spec.Names.Kind}
			if !want[gvk] || !v.Served {
				continue
			}
			s, err := compileVersion(crd, v)
			if err != nil {
				return nil, fmt.Errorf("compile schema of %s %s: %w", crd.Name, v.Name, err)
			}
			set.byGVK[gvk] = s
		}
	}
	return set, nil
}

func compileVersion(crd *apiextensionsv1.CustomResourceDefinition, v apiextensionsv1.CustomResourceDefinitionVersion) (*crdSchema, error) {
	if v.Schema == nil {
		return nil, fmt.Errorf("version has no schema")
	}
	internal := &apiextensions.CustomResourceValidation{}
	if err := apiextensionsv1.Convert_v1_CustomResourceValidation_To_apiextensions_CustomResourceValidation(v.Schema, internal, nil); err != nil {
		return nil, err
	}
	validator, _, err := apiservervalidation.NewSchemaValidator(internal.OpenAPIV3Schema)
	if err != nil {
		return nil, err
	}
	structural, err := structuralschema.NewStructural(internal.OpenAPIV3Schema)
	if err != nil {
		return nil, err
	}
	return &crdSchema{
		namespaced: crd.Spec.Scope == apiextensionsv1.NamespaceScoped,
		validator:  validator,
		structural: structural,
		cel:        cel.NewValidator(structural, true, celconfig.PerCallLimit),
	}, nil
}

// validate checks one object the way the API server checks a create:
// unknown fields (pruned), defaults applied, then metadata, OpenAPI schema,
// list types and CEL rules. Objects of kinds no embedded CRD defines are
// left to other checks, except an unserved version of a known group.
func (s *schemaSet) validate(obj *unstructured.Unstructured, defaultNS string) []Problem {
	gvk := obj.GroupVersionKind()
	id := objectID(gvk.Kind, namespaceOf(obj, defaultNS, true), obj.GetName())
	sch, ok := s.byGVK[gvk]
	if !ok {
		if s.groups[gvk.Group] {
			return []Problem{{id, CheckSchema, fmt.Sprintf("apiVersion %s kind %s is not served by the embedded CRDs", obj.GetAPIVersion(), gvk.Kind)}}
		}
		return nil
	}
	id = objectID(gvk.Kind, namespaceOf(obj, defaultNS, sch.namespaced), obj.GetName())
	u := obj.DeepCopy().Object
	if sch.namespaced && obj.GetNamespace() == "" {
		_ = unstructured.SetNestedField(u, defaultNS, "metadata", "namespace")
	}
	var out []Problem
	unknown := pruning.PruneWithOptions(u, sch.structural, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})
	for _, path := range unknown {
		out = append(out, Problem{id, CheckUnknownField, fmt.Sprintf("field %s is not in the %s schema; the API server drops it", path, gvk.Kind)})
	}
	structuraldefaulting.Default(u, sch.structural)
	errs := metavalidation.ValidateObjectMetaAccessor(&unstructured.Unstructured{Object: u}, sch.namespaced, metavalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	errs = append(errs, apiservervalidation.ValidateCustomResource(nil, u, sch.validator)...)
	errs = append(errs, listtype.ValidateListSetsAndMaps(nil, sch.structural, u)...)
	for _, e := range errs {
		out = append(out, Problem{id, CheckSchema, e.Error()})
	}
	if sch.cel != nil {
		celErrs, _ := sch.cel.Validate(context.Background(), nil, sch.structural, u, nil, celconfig.RuntimeCELCostBudget)
		for _, e := range celErrs {
			out = append(out, Problem{id, CheckCEL, e.Error()})
		}
	}
	return out
}

// namespaceOf returns the object's namespace, defaultNS when a namespaced
// object names none, and "" for cluster-scoped objects.
func namespaceOf(obj *unstructured.Unstructured, defaultNS string, namespaced bool) string {
	switch {
	case !namespaced:
		return ""
	case obj.GetNamespace() == "":
		return defaultNS
	default:
		return obj.GetNamespace()
	}
}
