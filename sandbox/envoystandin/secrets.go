package envoystandin

import (
	"fmt"

	envoycore "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
)

// Secrets are the SDS secrets the agent serves Envoy, by name: TLS
// certificates, validation contexts and generic secrets (header values).
type Secrets map[string]*tlsv3.Secret

// ErrSecretNotSupplied is the error for an SDS secret Envoy would wait for
// in vain: its TLS context never becomes ready and connections that need it
// fail.
var ErrSecretNotSupplied = fmt.Errorf("secret is not supplied by SDS")

// dataSource reads an inline DataSource (Config::DataSource::read); the
// agent sends only inline data, so a file or environment variable is an
// error naming it.
func dataSource(d *envoycore.DataSource) ([]byte, error) {
	switch s := d.GetSpecifier().(type) {
	case *envoycore.DataSource_InlineBytes:
		return s.InlineBytes, nil
	case *envoycore.DataSource_InlineString:
		return []byte(s.InlineString), nil
	case nil:
		return nil, nil
	}
	return nil, fmt.Errorf("data source %T: the stand-in reads only inline data, as the agent sends", d.GetSpecifier())
}

// genericValue is SecretWatcher::value (cilium/secret_watcher.cc): the
// generic secret's data, if the secret was supplied.
func (s Secrets) genericValue(name string) (string, bool) {
	sec, ok := s[name]
	if !ok || sec.GetGenericSecret() == nil {
		return "", false
	}
	b, err := dataSource(sec.GetGenericSecret().GetSecret())
	if err != nil {
		return "", false
	}
	return string(b), true
}

// certificate returns the chain and key of the SDS TLS certificate name.
func (s Secrets) certificate(name string) ([]byte, []byte, error) {
	sec, ok := s[name]
	if !ok {
		return nil, nil, fmt.Errorf("SDS secret %s: %w", name, ErrSecretNotSupplied)
	}
	tc := sec.GetTlsCertificate()
	if tc == nil {
		return nil, nil, fmt.Errorf("SDS secret %s holds no TLS certificate", name)
	}
	chain, err := dataSource(tc.GetCertificateChain())
	if err != nil {
		return nil, nil, fmt.Errorf("SDS secret %s: %w", name, err)
	}
	key, err := dataSource(tc.GetPrivateKey())
	if err != nil {
		return nil, nil, fmt.Errorf("SDS secret %s: %w", name, err)
	}
	return chain, key, nil
}

// trustedCA returns the trusted CA of the SDS validation context name.
func (s Secrets) trustedCA(name string) ([]byte, error) {
	sec, ok := s[name]
	if !ok {
		return nil, fmt.Errorf("SDS secret %s: %w", name, ErrSecretNotSupplied)
	}
	vc := sec.GetValidationContext()
	if vc == nil {
		return nil, fmt.Errorf("SDS secret %s holds no validation context", name)
	}
	ca, err := dataSource(vc.GetTrustedCa())
	if err != nil {
		return nil, fmt.Errorf("SDS secret %s: %w", name, err)
	}
	return ca, nil
}
