package validate

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

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
	"github.com/cilium-tls-intercept/sandbox/sandbox/suggest"
)

// crdSchema is one served version of a CRD, compiled as the API server does.
type crdSchema struct {
	namespaced bool
	validator  apiservervalidation.SchemaValidator
	structural *structuralschema.Structural
	cel        *cel.Validator // nil when the schema has no CEL rules
}

// Validator validates objects against the embedded CRDs. It compiles each
// CRD version the first time an object uses it and keeps it, so one
// Validator shared by many calls (tests over many renders) compiles once.
// It is safe for concurrent use.
type Validator struct {
	mu       sync.Mutex
	versions map[schema.GroupVersionKind]crdVersion
	groups   map[string]bool // API groups the embedded CRDs define
	compiled map[schema.GroupVersionKind]*crdSchema
}

// crdVersion is one served version of an embedded CRD, not yet compiled.
type crdVersion struct {
	crd *apiextensionsv1.CustomResourceDefinition
	v   apiextensionsv1.CustomResourceDefinitionVersion
}

// NewValidator indexes the embedded CRDs (sandbox/crds.All).
func NewValidator() *Validator {
	val := &Validator{
		versions: map[schema.GroupVersionKind]crdVersion{},
		groups:   map[string]bool{},
		compiled: map[schema.GroupVersionKind]*crdSchema{},
	}
	for _, crd := range crds.All() {
		val.groups[crd.Spec.Group] = true
		for _, v := range crd.Spec.Versions {
			if v.Served {
				gvk := schema.GroupVersionKind{Group: crd.Spec.Group, Version: v.Name, Kind: crd.Spec.Names.Kind}
				val.versions[gvk] = crdVersion{crd: crd, v: v}
			}
		}
	}
	return val
}

// schemaFor returns the compiled schema of a kind, or nil when no embedded
// CRD serves it.
func (val *Validator) schemaFor(gvk schema.GroupVersionKind) (*crdSchema, error) {
	val.mu.Lock()
	defer val.mu.Unlock()
	if s, ok := val.compiled[gvk]; ok {
		return s, nil
	}
	cv, ok := val.versions[gvk]
	if !ok {
		return nil, nil
	}
	s, err := compileVersion(cv.crd, cv.v)
	if err != nil {
		return nil, fmt.Errorf("compile schema of %s %s: %w", cv.crd.Name, cv.v.Name, err)
	}
	val.compiled[gvk] = s
	return s, nil
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
func (val *Validator) validateSchema(obj *unstructured.Unstructured, defaultNS string) ([]Problem, error) {
	gvk := obj.GroupVersionKind()
	sch, err := val.schemaFor(gvk)
	if err != nil {
		return nil, err
	}
	if sch == nil {
		if val.groups[gvk.Group] {
			id := objectID(gvk.Kind, namespaceOf(obj, defaultNS, isNamespaced(gvk.Kind)), obj.GetName())
			msg, fix := val.unserved(obj.GetAPIVersion(), gvk)
			return []Problem{{Object: id, Check: CheckSchema, Message: msg, Fix: fix}}, nil
		}
		return nil, nil
	}
	id := objectID(gvk.Kind, namespaceOf(obj, defaultNS, sch.namespaced), obj.GetName())
	u := obj.DeepCopy().Object
	if sch.namespaced && obj.GetNamespace() == "" {
		_ = unstructured.SetNestedField(u, defaultNS, "metadata", "namespace")
	}
	var out []Problem
	unknown := pruning.PruneWithOptions(u, sch.structural, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})
	for _, path := range unknown {
		out = append(out, Problem{Object: id, Check: CheckUnknownField, Message: fmt.Sprintf("field %s is not in the %s schema; the API server drops it", path, gvk.Kind),
			Fix: fmt.Sprintf("check the field's spelling and place (kubectl explain %s)", strings.ToLower(gvk.Kind))})
	}
	structuraldefaulting.Default(u, sch.structural)
	errs := metavalidation.ValidateObjectMetaAccessor(&unstructured.Unstructured{Object: u}, sch.namespaced, metavalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	errs = append(errs, apiservervalidation.ValidateCustomResource(nil, u, sch.validator)...)
	errs = append(errs, listtype.ValidateListSetsAndMaps(nil, sch.structural, u)...)
	for _, e := range errs {
		out = append(out, Problem{Object: id, Check: CheckSchema, Message: e.Error(), Fix: "give the field a value the CRD's schema allows"})
	}
	if sch.cel != nil {
		celErrs, _ := sch.cel.Validate(context.Background(), nil, sch.structural, u, nil, celconfig.RuntimeCELCostBudget)
		for _, e := range celErrs {
			out = append(out, Problem{Object: id, Check: CheckCEL, Message: e.Error(), Fix: "change the object so the CRD's validation rule holds"})
		}
	}
	return out, nil
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

// unserved says why no embedded CRD serves gvk, a kind of a group they
// define: the group has no such kind (most likely misspelt: the closest
// kind is named), or the kind is not served at that version (the served
// ones are named).
func (val *Validator) unserved(apiVersion string, gvk schema.GroupVersionKind) (msg, fix string) {
	var kinds, served []string
	for k := range val.versions {
		if k.Group != gvk.Group {
			continue
		}
		if !slices.Contains(kinds, k.Kind) {
			kinds = append(kinds, k.Kind)
		}
		if k.Kind == gvk.Kind {
			served = append(served, k.GroupVersion().String())
		}
	}
	slices.Sort(kinds)
	slices.Sort(served)
	if len(served) > 0 {
		return fmt.Sprintf("apiVersion %s kind %s is not served by the embedded CRDs (they serve %s at %s)", apiVersion, gvk.Kind, gvk.Kind, strings.Join(served, ", ")),
			"use an apiVersion the CRD serves (kubectl api-resources)"
	}
	msg = fmt.Sprintf("kind %s is unknown: group %s has no such kind", gvk.Kind, gvk.Group)
	if c := suggest.Closest(gvk.Kind, kinds); c != "" {
		return msg + fmt.Sprintf("; did you mean %s?", c), "write kind: " + c
	}
	return msg + fmt.Sprintf(" (its kinds: %s)", strings.Join(kinds, ", ")), "correct the kind to one of the group's kinds"
}
