package agent

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// standInSecrets returns the Secrets cert-manager and trust-manager would
// write for the Certificates and Bundles of objs, for those the objects do
// not hold themselves, with a line saying what stands in for each. Values
// are made here (a fresh self-signed certificate per secret); only names,
// types and keys matter to the agent's decisions.
func standInSecrets(objs []*unstructured.Unstructured) ([]*unstructured.Unstructured, []string, error) {
	have := map[string]bool{}
	nsLabels := map[string]map[string]string{}
	for _, o := range objs {
		switch o.GetKind() {
		case "Secret":
			have[o.GetNamespace()+"/"+o.GetName()] = true
		case "Namespace":
			nsLabels[o.GetName()] = o.GetLabels()
		}
	}
	var out []*unstructured.Unstructured
	var lines []string
	add := func(ns, name, typ string, labels map[string]string, keys []string, why string, dnsNames []string) error {
		if have[ns+"/"+name] {
			return nil
		}
		have[ns+"/"+name] = true
		s, err := secretObject(ns, name, typ, labels, keys, dnsNames)
		if err != nil {
			return err
		}
		out = append(out, s)
		lines = append(lines, fmt.Sprintf("Secret %s/%s (%s, keys %v): %s", ns, name, typ, keys, why))
		return nil
	}
	for _, o := range objs {
		switch {
		case o.GetKind() == "Certificate" && o.GroupVersionKind().Group == "cert-manager.io":
			name, _, _ := unstructured.NestedString(o.Object, "spec", "secretName")
			labels, _, _ := unstructured.NestedStringMap(o.Object, "spec", "secretTemplate", "labels")
			dns, _, _ := unstructured.NestedStringSlice(o.Object, "spec", "dnsNames")
			if name != "" {
				if err := add(o.GetNamespace(), name, "kubernetes.io/tls", labels, []string{"ca.crt", "tls.crt", "tls.key"},
					"as cert-manager would write it for Certificate "+o.GetNamespace()+"/"+o.GetName()+" (its CA and self-signed issuers write ca.crt)", dns); err != nil {
					return nil, nil, err
				}
			}
		case o.GetKind() == "Bundle" && o.GroupVersionKind().Group == "trust.cert-manager.io":
			key, found, _ := unstructured.NestedString(o.Object, "spec", "target", "secret", "key")
			if !found || key == "" {
				continue
			}
			sel, _, _ := unstructured.NestedStringMap(o.Object, "spec", "target", "namespaceSelector", "matchLabels")
			for _, ns := range selectedNamespaces(sel, nsLabels) {
				if err := add(ns, o.GetName(), "Opaque", nil, []string{key},
					"as trust-manager would write it for Bundle "+o.GetName(), nil); err != nil {
					return nil, nil, err
				}
			}
		}
	}
	return out, lines, nil
}

// selectedNamespaces are the namespaces a matchLabels selector selects: the
// one kubernetes.io/metadata.name names, or those of the manifests' Namespaces
// whose labels match.
func selectedNamespaces(sel map[string]string, nsLabels map[string]map[string]string) []string {
	if name, ok := sel["kubernetes.io/metadata.name"]; ok && len(sel) == 1 {
		return []string{name}
	}
	var out []string
	for ns, lbls := range nsLabels {
		match := true
		for k, v := range sel {
			if lbls[k] != v {
				match = false
			}
		}
		if match {
			out = append(out, ns)
		}
	}
	return out
}

// secretObject makes a Secret whose keys hold a fresh self-signed
// certificate (".crt" keys) and its key (".key" keys).
func secretObject(ns, name, typ string, labels map[string]string, keys, dnsNames []string) (*unstructured.Unstructured, error) {
	certPEM, keyPEM, err := selfSigned(name, dnsNames)
	if err != nil {
		return nil, err
	}
	data := map[string]any{}
	for _, k := range keys {
		v := certPEM
		if k == "tls.key" {
			v = keyPEM
		}
		data[k] = base64.StdEncoding.EncodeToString(v)
	}
	meta := map[string]any{"name": name, "namespace": ns}
	if len(labels) > 0 {
		l := map[string]any{}
		for k, v := range labels {
			l[k] = v
		}
		meta["labels"] = l
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Secret", "type": typ, "metadata": meta, "data": data,
	}}, nil
}

// selfSigned makes a self-signed ECDSA P-256 CA certificate valid a day.
func selfSigned(cn string, dnsNames []string) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{CommonName: cn + " (lint stand-in)"},
		NotBefore: now.Add(-time.Minute), NotAfter: now.Add(24 * time.Hour), DNSNames: dnsNames,
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), nil
}
