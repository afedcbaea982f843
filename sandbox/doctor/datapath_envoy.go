package doctor

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// Envoy's admin answers, passed through unchanged by `cilium-dbg envoy
// admin certs` and `... config secrets` (Envoy's proto3 JSON with proto
// field names). They are read with minimal structs: go-control-plane's
// envoy.admin.v3 types would bring Envoy's whole API into the binary.

// envoyCertificates is /certs (envoy.admin.v3.Certificates).
type envoyCertificates struct {
	Certificates []struct {
		CACert    []envoyCertDetails `json:"ca_cert"`
		CertChain []envoyCertDetails `json:"cert_chain"`
	} `json:"certificates"`
}

// envoyCertDetails is envoy.admin.v3.CertificateDetails.
type envoyCertDetails struct {
	Path            string `json:"path"`
	SerialNumber    string `json:"serial_number"`
	SubjectAltNames []struct {
		DNS string `json:"dns"`
	} `json:"subject_alt_names"`
	ExpirationTime string `json:"expiration_time"`
}

func (d envoyCertDetails) dnsNames() []string {
	var out []string
	for _, s := range d.SubjectAltNames {
		if s.DNS != "" {
			out = append(out, s.DNS)
		}
	}
	return out
}

// parseEnvoyCerts returns the certificates Envoy's TLS contexts serve.
func parseEnvoyCerts(out string) ([]envoyCertDetails, error) {
	var c envoyCertificates
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		return nil, err
	}
	var chain []envoyCertDetails
	for _, ctx := range c.Certificates {
		if len(ctx.CertChain) > 0 {
			chain = append(chain, ctx.CertChain[0])
		}
	}
	return chain, nil
}

// envoyConfigDump is /config_dump (envoy.admin.v3.ConfigDump). With
// ?resource=dynamic_active_secrets, which `cilium-dbg envoy admin config
// secrets` asks for, Envoy packs each active secret into configs as a
// SecretsConfigDump.DynamicSecret; a whole dump holds a SecretsConfigDump
// with its active and warming (asked for, never supplied) secrets.
type envoyConfigDump struct {
	Configs []json.RawMessage `json:"configs"`
}

// envoySecretsDump is envoy.admin.v3.SecretsConfigDump.
type envoySecretsDump struct {
	Active  []envoySecret `json:"dynamic_active_secrets"`
	Warming []envoySecret `json:"dynamic_warming_secrets"`
}

// envoySecret is an SDS secret in a config dump.
type envoySecret struct {
	Type        string `json:"@type"`
	Name        string `json:"name"`
	VersionInfo string `json:"version_info"`
	LastUpdated string `json:"last_updated"`
	Secret      struct {
		TLSCertificate *struct {
			CertificateChain envoyDataSource `json:"certificate_chain"`
		} `json:"tls_certificate"`
	} `json:"secret"`
	warming bool
}

// envoyDataSource is envoy.config.core.v3.DataSource.
type envoyDataSource struct {
	InlineBytes  []byte `json:"inline_bytes"`
	InlineString string `json:"inline_string"`
}

// parseEnvoySecrets returns Envoy's SDS secrets by name, warming ones
// marked, from either shape of the config dump.
func parseEnvoySecrets(out string) (map[string]envoySecret, error) {
	var d envoyConfigDump
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		return nil, err
	}
	m := map[string]envoySecret{}
	for _, raw := range d.Configs {
		var s envoySecret
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		if strings.HasSuffix(s.Type, ".SecretsConfigDump.DynamicSecret") {
			m[s.Name] = s
			continue
		}
		var dump envoySecretsDump
		if err := json.Unmarshal(raw, &dump); err != nil {
			return nil, err
		}
		for _, w := range dump.Warming {
			w.warming = true
			m[w.Name] = w
		}
		for _, a := range dump.Active {
			m[a.Name] = a
		}
	}
	return m, nil
}

// leaf returns the first certificate of the secret's chain, nil when it has
// none (a validation context, or a warming secret).
func (s envoySecret) leaf() (*x509.Certificate, error) {
	if s.Secret.TLSCertificate == nil {
		return nil, nil
	}
	data := s.Secret.TLSCertificate.CertificateChain.InlineBytes
	if len(data) == 0 {
		data = []byte(s.Secret.TLSCertificate.CertificateChain.InlineString)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("certificate_chain holds no PEM certificate")
	}
	return x509.ParseCertificate(block.Bytes)
}

// serialHex spells a serial as Envoy does (BoringSSL's BN_bn2hex, lower
// case, no leading zero bytes).
func serialHex(n *big.Int) string { return fmt.Sprintf("%x", n.Bytes()) }

// sameSerial compares serials spelled with or without colons, case or
// leading zeros.
func sameSerial(a, b string) bool {
	norm := func(s string) string {
		return strings.TrimLeft(strings.ToLower(strings.ReplaceAll(s, ":", "")), "0")
	}
	return norm(a) == norm(b)
}
