package probe

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/cilium-tls-intercept/sandbox/sandbox/podexec"
)

// ErrNoWriteOut means curl's output lacks the --write-out block: curl did not
// run (command not found, pod not ready) or its output was cut.
var ErrNoWriteOut = errors.New("curl output has no write-out block")

// Response is curl's view of one request.
type Response struct {
	// ExitCode is curl's exit code (0 on success, 28 on timeout, 35 on a
	// failed handshake, ...).
	ExitCode int
	// HTTPCode is the response status; 0 when no response arrived.
	HTTPCode int
	// SSLVerifyResult is the TLS library's verification result of the
	// served chain against curl's own trust store (informational).
	SSLVerifyResult int
	// LocalPort is the TCP source port of curl's connection; 0 when not
	// reported (no connection, or output recorded before it was asked for).
	LocalPort int
	// Chain is the served chain, leaf first; empty without a handshake.
	Chain []*x509.Certificate
	// Header are the response headers, names in lowercase, each with its
	// values in order; nil when curl reported none (no response, or output
	// recorded before headers were asked for).
	Header map[string][]string
	// Body is the response body.
	Body []byte
	// Stderr is curl's error output.
	Stderr string
}

// ParseCurl reads the output of the command Request.Command builds.
func ParseCurl(res podexec.Result) (*Response, error) {
	i := bytes.LastIndex(res.Stdout, []byte(writeOutMarker))
	if i < 0 {
		return nil, fmt.Errorf("%w (exit code %d, stdout %q, stderr %q)",
			ErrNoWriteOut, res.ExitCode, clip(res.Stdout), clip(res.Stderr))
	}
	resp := &Response{
		ExitCode: res.ExitCode,
		Body:     res.Stdout[:i],
		Stderr:   string(res.Stderr),
	}
	rest := res.Stdout[i+len(writeOutMarker):]
	fields, rest := splitWriteOut(rest)
	header, certs := splitHeaders(rest)
	resp.Header = header
	var err error
	if resp.HTTPCode, err = intField(fields, "http_code"); err != nil {
		return nil, err
	}
	if resp.SSLVerifyResult, err = intField(fields, "ssl_verify_result"); err != nil {
		return nil, err
	}
	if _, ok := fields["local_port"]; ok {
		if resp.LocalPort, err = intField(fields, "local_port"); err != nil {
			return nil, err
		}
	}
	if resp.Chain, err = parseChain(certs); err != nil {
		return nil, err
	}
	return resp, nil
}

// writeOutKey matches the keys of the --write-out block's key=value lines.
var writeOutKey = regexp.MustCompile(`^[a-z_]+$`)

// splitWriteOut returns the key=value lines before the headers block (or
// %{certs}) and the rest.
func splitWriteOut(b []byte) (map[string]string, []byte) {
	fields := map[string]string{}
	for {
		line, rest, _ := bytes.Cut(b, []byte("\n"))
		k, v, ok := strings.Cut(string(line), "=")
		if !ok || !writeOutKey.MatchString(k) || k == "headers" {
			return fields, b
		}
		fields[k] = strings.TrimSpace(v)
		b = rest
	}
}

// splitHeaders returns the response headers of a "headers=" block ending
// at headersEnd, and what follows it. Without the block (output recorded
// before headers were asked for) or with JSON that does not parse (a curl
// older than 7.83 prints nothing for %{header_json}) there are no headers.
func splitHeaders(b []byte) (map[string][]string, []byte) {
	block, rest, ok := bytes.Cut(b, []byte(headersEnd))
	if !ok || !bytes.HasPrefix(block, []byte("headers=")) {
		return nil, b
	}
	var header map[string][]string
	if err := json.Unmarshal(bytes.TrimPrefix(block, []byte("headers=")), &header); err != nil {
		return nil, rest
	}
	return header, rest
}

func intField(fields map[string]string, key string) (int, error) {
	v, ok := fields[key]
	if !ok {
		return 0, fmt.Errorf("curl write-out: no %s", key)
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("curl write-out: %s=%q is not a number", key, v)
	}
	return n, nil
}

// parseChain decodes every PEM certificate in curl's %{certs} output, in
// the order served (leaf first); the text curl prints between them is skipped.
func parseChain(b []byte) ([]*x509.Certificate, error) {
	var chain []*x509.Certificate
	for {
		var block *pem.Block
		block, b = pem.Decode(b)
		if block == nil {
			return chain, nil
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("served certificate %d: %w", len(chain), err)
		}
		chain = append(chain, c)
	}
}

// clip shortens command output kept in an error.
func clip(b []byte) string {
	const max = 2048
	if len(b) > max {
		return string(b[:max]) + "..."
	}
	return string(b)
}
