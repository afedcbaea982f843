package main

import (
	"encoding/json"
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun/wire"
)

// Kinds of the objects the helper reads.
const (
	kindCNP       = "CiliumNetworkPolicy"
	kindCCNP      = "CiliumClusterwideNetworkPolicy"
	kindSecret    = "Secret"
	kindNamespace = "Namespace"
)

// manifests are the request's objects the agent and the operator read,
// typed; the policies stay JSON until the release's glue decodes them into
// its own types.
type manifests struct {
	secrets    []*corev1.Secret
	namespaces []*corev1.Namespace
	policies   []policyObject
}

// policyObject is one CiliumNetworkPolicy or CiliumClusterwideNetworkPolicy.
type policyObject struct {
	kind, namespace, name string
	raw                   json.RawMessage
}

// readManifests sorts the request's objects by kind; others are ignored.
func readManifests(in *wire.LintRequest) (*manifests, error) {
	m := &manifests{}
	for i, raw := range in.Objects {
		var head struct {
			metav1.TypeMeta
			Metadata metav1.ObjectMeta `json:"metadata"`
		}
		if err := json.Unmarshal(raw, &head); err != nil {
			return nil, fmt.Errorf("object %d: %w", i, err)
		}
		switch head.Kind {
		case kindSecret:
			s := &corev1.Secret{}
			if err := json.Unmarshal(raw, s); err != nil {
				return nil, fmt.Errorf("Secret %s/%s: %w", head.Metadata.Namespace, head.Metadata.Name, err)
			}
			m.secrets = append(m.secrets, s)
		case kindNamespace:
			ns := &corev1.Namespace{}
			if err := json.Unmarshal(raw, ns); err != nil {
				return nil, fmt.Errorf("Namespace %s: %w", head.Metadata.Name, err)
			}
			m.namespaces = append(m.namespaces, ns)
		case kindCNP, kindCCNP:
			m.policies = append(m.policies, policyObject{kind: head.Kind, namespace: head.Metadata.Namespace, name: head.Metadata.Name, raw: raw})
		}
	}
	return m, nil
}

// namespaceObjects returns a Namespace for every namespace the objects and
// workloads use, those of the manifests as given and the others with only
// the kubernetes.io/metadata.name label the API server adds.
func (m *manifests) namespaceObjects(extra ...string) []*corev1.Namespace {
	have := map[string]*corev1.Namespace{}
	for _, ns := range m.namespaces {
		have[ns.Name] = ns
	}
	want := append([]string{}, extra...)
	for _, s := range m.secrets {
		want = append(want, s.Namespace)
	}
	for _, p := range m.policies {
		want = append(want, p.namespace)
	}
	for _, name := range want {
		if name == "" || have[name] != nil {
			continue
		}
		have[name] = &corev1.Namespace{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: kindNamespace},
			ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{corev1.LabelMetadataName: name}},
		}
	}
	out := make([]*corev1.Namespace, 0, len(have))
	for _, ns := range have {
		out = append(out, ns)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// secretKeys returns a secret's data keys, sorted.
func secretKeys(s *corev1.Secret) []string {
	keys := make([]string, 0, len(s.Data)+len(s.StringData))
	for k := range s.Data {
		keys = append(keys, k)
	}
	for k := range s.StringData {
		if _, ok := s.Data[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// convert copies from into into through JSON (a typed Kubernetes object
// into Cilium's slim type of the same kind).
func convert(from, into any) error {
	data, err := json.Marshal(from)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, into)
}
