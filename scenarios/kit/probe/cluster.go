package probe

import (
	"context"
	"crypto/x509"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// CAFromConfigMap reads PEM certificates from a ConfigMap key (the chart's
// trust-manager bundle of the sandbox CA, key ca.crt).
func CAFromConfigMap(ctx context.Context, cs kubernetes.Interface, namespace, name, key string) (*x509.CertPool, error) {
	cm, err := cs.CoreV1().ConfigMaps(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("read sandbox CA: %w", err)
	}
	pool, err := PoolFromPEM([]byte(cm.Data[key]))
	if err != nil {
		return nil, fmt.Errorf("configmap %s/%s key %s: %w", namespace, name, key, err)
	}
	return pool, nil
}

// CAFromSecret reads PEM certificates from a Secret key (the CA
// Certificate's secret, key ca.crt or tls.crt).
func CAFromSecret(ctx context.Context, cs kubernetes.Interface, namespace, name, key string) (*x509.CertPool, error) {
	data, err := secretKey(ctx, cs, namespace, name, key)
	if err != nil {
		return nil, err
	}
	return PoolFromPEM(data)
}

// LeafFromSecret returns the first certificate of a TLS secret's tls.crt:
// the leaf Envoy should serve.
func LeafFromSecret(ctx context.Context, cs kubernetes.Interface, namespace, name string) (*x509.Certificate, error) {
	data, err := secretKey(ctx, cs, namespace, name, "tls.crt")
	if err != nil {
		return nil, err
	}
	certs, err := ParsePEM(data)
	if err != nil {
		return nil, fmt.Errorf("secret %s/%s key tls.crt: %w", namespace, name, err)
	}
	return certs[0], nil
}

func secretKey(ctx context.Context, cs kubernetes.Interface, namespace, name, key string) ([]byte, error) {
	s, err := cs.CoreV1().Secrets(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("read secret: %w", err)
	}
	data, ok := s.Data[key]
	if !ok {
		return nil, fmt.Errorf("secret %s/%s has no key %s", namespace, name, key)
	}
	return data, nil
}
