package validate

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	"github.com/cilium/cilium/pkg/policy/api"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumtls"
)

// policy is a parsed CiliumNetworkPolicy or CiliumClusterwideNetworkPolicy.
type policy struct {
	id        string
	namespace string // "" for clusterwide policies
	rules     api.Rules
	// headerKeys are the keys the interception chart's values name for
	// header secrets (ciliumtls.HeaderKeysAnnotation), by "namespace/name".
	headerKeys map[string]string
}

// certificate is a decoded cert-manager Certificate.
type certificate struct {
	id, namespace string
	cert          *cmapi.Certificate
}

// issuer is a decoded Issuer (namespace set) or ClusterIssuer.
type issuer struct {
	id, kind, namespace, name string
	spec                      cmapi.IssuerSpec
}

// secretSource is an object that makes a secret, and the keys it writes.
type secretSource struct {
	by   string
	keys map[string]bool
	cert *certificate // set when a Certificate makes the secret
	// data is a Secret object's data, nil when the values are not known
	// (a Certificate, a Bundle, an external secret). Only
	// ciliumtls.HeaderValueProblem reads it; no message ever shows a value.
	data map[string][]byte
}

// bundle is a trust-manager Bundle writing a key of a Secret named like the
// Bundle into every namespace its selector matches.
type bundle struct {
	id, name, key string
	namespaces    labels.Selector
}

// workload is a pod or pod template.
type workload struct {
	id, namespace  string
	labels         map[string]string
	serviceAccount string
	hostNetwork    bool
	// job: a Job, CronJob or bare Pod, which runs to do something once.
	job bool
	// text is its containers' commands, arguments and environment values.
	text string
}

// inventory is the objects sorted by what the cross-object checks need.
type inventory struct {
	policies   []policy
	certs      []certificate
	issuers    map[string]issuer         // key: "ClusterIssuer/<name>" or "Issuer/<ns>/<name>"
	secrets    map[string][]secretSource // key: "<ns>/<name>"
	bundles    []bundle
	workloads  []workload
	namespaces map[string]map[string]string // Namespace objects' labels
	external   map[string][]string          // Options.ExternalSecrets
	openWorld  bool                         // Options.OpenWorld
}

// newInventory decodes the objects the checks use; what cannot be decoded is
// reported and left out.
func newInventory(objs []*unstructured.Unstructured, opts Options) (*inventory, []Problem) {
	inv := &inventory{
		issuers:    map[string]issuer{},
		secrets:    map[string][]secretSource{},
		namespaces: map[string]map[string]string{},
		external:   opts.ExternalSecrets,
		openWorld:  opts.OpenWorld,
	}
	var out []Problem
	for _, obj := range objs {
		if p := inv.add(obj, opts); p != nil {
			out = append(out, *p)
		}
	}
	return inv, out
}

// add files one object; it returns a Problem when the object cannot be decoded.
func (inv *inventory) add(obj *unstructured.Unstructured, opts Options) *Problem {
	gvk := obj.GroupVersionKind()
	ns := obj.GetNamespace()
	if ns == "" {
		ns = opts.DefaultNamespace
	}
	var err error
	switch gvk.Group + "/" + gvk.Kind {
	case "cilium.io/CiliumNetworkPolicy", "cilium.io/CiliumClusterwideNetworkPolicy":
		var p *policy
		p, err = parsePolicy(obj, opts.DefaultNamespace)
		if p != nil {
			p.headerKeys = ciliumtls.HeaderKeys(obj.GetAnnotations())
			inv.policies = append(inv.policies, *p)
		}
	case "cert-manager.io/Certificate":
		err = inv.addCertificate(obj, ns)
	case "cert-manager.io/Issuer", "cert-manager.io/ClusterIssuer":
		err = inv.addIssuer(obj, ns)
	case "trust.cert-manager.io/Bundle":
		err = inv.addBundle(obj)
	case "/Secret":
		inv.addSecret(obj, ns)
	case "/Namespace":
		inv.namespaces[obj.GetName()] = obj.GetLabels()
	default:
		err = inv.addWorkload(obj, ns)
	}
	if err == nil {
		return nil
	}
	check := CheckDecode
	var pe policyParseError
	if errors.As(err, &pe) {
		check, err = CheckCiliumSanitize, pe.err
	}
	nsForID := ns
	if !isNamespaced(gvk.Kind) {
		nsForID = ""
	}
	fix := "fix the object so it decodes: the API server rejects it"
	if check == CheckCiliumSanitize {
		fix = "fix the rule as Cilium's message says: the API server accepts the policy, but the agent refuses all of it (its status shows the error), so none of its rules apply"
	}
	return &Problem{Object: objectID(gvk.Kind, nsForID, obj.GetName()), Check: check, Message: err.Error(), Fix: fix}
}

// isNamespaced reports whether a kind the inventory knows is namespaced.
func isNamespaced(kind string) bool {
	switch kind {
	case "CiliumClusterwideNetworkPolicy", "ClusterIssuer", "Bundle", "Namespace":
		return false
	}
	return true
}

// decodeInto converts an unstructured object into a typed one through JSON,
// so custom unmarshalers (Cilium's selectors) run as in the API clients.
func decodeInto(obj *unstructured.Unstructured, into any) error {
	data, err := json.Marshal(obj.Object)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, into)
}

func (inv *inventory) addCertificate(obj *unstructured.Unstructured, ns string) error {
	c := &cmapi.Certificate{}
	if err := decodeInto(obj, c); err != nil {
		return fmt.Errorf("decode Certificate: %w", err)
	}
	cert := &certificate{id: objectID("Certificate", ns, c.Name), namespace: ns, cert: c}
	inv.certs = append(inv.certs, *cert)
	if c.Spec.SecretName != "" {
		key := ns + "/" + c.Spec.SecretName
		inv.secrets[key] = append(inv.secrets[key], secretSource{
			by: cert.id, cert: cert,
			keys: map[string]bool{"tls.crt": true, "tls.key": true, "ca.crt": true},
		})
	}
	return nil
}

func (inv *inventory) addIssuer(obj *unstructured.Unstructured, ns string) error {
	i := &cmapi.Issuer{}
	if err := decodeInto(obj, i); err != nil {
		return fmt.Errorf("decode %s: %w", obj.GetKind(), err)
	}
	is := issuer{kind: obj.GetKind(), name: i.Name, spec: i.Spec}
	if is.kind == "Issuer" {
		is.namespace = ns
	}
	is.id = objectID(is.kind, is.namespace, is.name)
	inv.issuers[issuerKey(is.kind, is.namespace, is.name)] = is
	return nil
}

// issuerKey is the key of inv.issuers and the form of Options.ExternalIssuers.
func issuerKey(kind, namespace, name string) string {
	if kind == "ClusterIssuer" {
		return kind + "/" + name
	}
	return kind + "/" + namespace + "/" + name
}

func (inv *inventory) addBundle(obj *unstructured.Unstructured) error {
	key, found, _ := unstructured.NestedString(obj.Object, "spec", "target", "secret", "key")
	if !found {
		return nil // writes no Secret
	}
	sel := labels.Everything()
	if m, ok, _ := unstructured.NestedMap(obj.Object, "spec", "target", "namespaceSelector"); ok {
		ls := &metav1.LabelSelector{}
		if err := decodeInto(&unstructured.Unstructured{Object: m}, ls); err != nil {
			return fmt.Errorf("decode spec.target.namespaceSelector: %w", err)
		}
		s, err := metav1.LabelSelectorAsSelector(ls)
		if err != nil {
			return fmt.Errorf("spec.target.namespaceSelector: %w", err)
		}
		sel = s
	}
	inv.bundles = append(inv.bundles, bundle{
		id: objectID("Bundle", "", obj.GetName()), name: obj.GetName(), key: key, namespaces: sel,
	})
	return nil
}

func (inv *inventory) addSecret(obj *unstructured.Unstructured, ns string) {
	keys := map[string]bool{}
	data := map[string][]byte{}
	for _, field := range []string{"data", "stringData"} {
		m, _, _ := unstructured.NestedMap(obj.Object, field)
		for k, v := range m {
			keys[k] = true
			s, _ := v.(string)
			data[k] = []byte(s)
			if field == "data" {
				if b, err := base64.StdEncoding.DecodeString(s); err == nil {
					data[k] = b
				}
			}
		}
	}
	key := ns + "/" + obj.GetName()
	inv.secrets[key] = append(inv.secrets[key], secretSource{by: objectID("Secret", ns, obj.GetName()), keys: keys, data: data})
}

// secretSources returns what makes secret ns/name: Certificates, Secrets and
// Bundles whose namespace selector matches ns.
func (inv *inventory) secretSources(ns, name string) []secretSource {
	out := append([]secretSource(nil), inv.secrets[ns+"/"+name]...)
	if keys, ok := inv.external[ns+"/"+name]; ok {
		src := secretSource{by: "external secret", keys: map[string]bool{}}
		for _, k := range keys {
			src.keys[k] = true
		}
		out = append(out, src)
	}
	nsLabels := labels.Set{"kubernetes.io/metadata.name": ns}
	for k, v := range inv.namespaces[ns] {
		nsLabels[k] = v
	}
	for _, b := range inv.bundles {
		if b.name == name && b.namespaces.Matches(nsLabels) {
			out = append(out, secretSource{by: b.id, keys: map[string]bool{b.key: true}})
		}
	}
	return out
}
