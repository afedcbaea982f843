//go:build linux

package cilium

// The Linux-only part of the redaction's proof: Cilium's own Hubble L7
// parser (pkg/hubble/parser/seven pulls pkg/bpf) turns Envoy's access log
// record of a request leaving Envoy with a secret header into a flow, with
// the redaction the sandbox's cilium-config configures.

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"testing"
	"time"

	flowpb "github.com/cilium/cilium/api/v1/flow"
	"github.com/cilium/hive/cell"
	"github.com/spf13/pflag"
	"google.golang.org/protobuf/encoding/protojson"

	ciliumhive "github.com/cilium/cilium/pkg/hive"
	parseroptions "github.com/cilium/cilium/pkg/hubble/parser/options"
	"github.com/cilium/cilium/pkg/hubble/parser/seven"
	"github.com/cilium/cilium/pkg/option"
	"github.com/cilium/cilium/pkg/proxy/accesslog"

	"github.com/cilium-tls-intercept/sandbox/sandbox/release"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
)

// hubbleRedactConfig stands in for the Hubble payload parser's
// configuration (pkg/hubble/parser/cell/config.go, type config, which is
// unexported): the same flags, defaults and mapstructure tags, so that
// Cilium's hive decodes cilium-config into it as the agent does.
type hubbleRedactConfig struct {
	EnableRedact           bool     `mapstructure:"hubble-redact-enabled"`
	RedactHttpURLQuery     bool     `mapstructure:"hubble-redact-http-urlquery"`
	RedactHttpUserInfo     bool     `mapstructure:"hubble-redact-http-userinfo"`
	RedactHttpHeadersAllow []string `mapstructure:"hubble-redact-http-headers-allow"`
	RedactHttpHeadersDeny  []string `mapstructure:"hubble-redact-http-headers-deny"`
}

// Flags registers the flags with the parser cell's defaults.
func (def hubbleRedactConfig) Flags(flags *pflag.FlagSet) {
	flags.Bool("hubble-redact-enabled", def.EnableRedact, "")
	flags.Bool("hubble-redact-http-urlquery", def.RedactHttpURLQuery, "")
	flags.Bool("hubble-redact-http-userinfo", def.RedactHttpUserInfo, "")
	flags.StringSlice("hubble-redact-http-headers-allow", def.RedactHttpHeadersAllow, "")
	flags.StringSlice("hubble-redact-http-headers-deny", def.RedactHttpHeadersDeny, "")
}

// hubbleRedaction decodes the redaction settings of a cilium-config with
// Cilium's hive (config merged as the agent merges its --config-dir) and
// returns the parser options newPayloadParser (pkg/hubble/parser/cell)
// makes of them.
func hubbleRedaction(config map[string]string) ([]parseroptions.Option, hubbleRedactConfig, error) {
	var got hubbleRedactConfig
	h := ciliumhive.New(
		cell.Config(hubbleRedactConfig{RedactHttpUserInfo: true, RedactHttpHeadersAllow: []string{}, RedactHttpHeadersDeny: []string{}}),
		cell.Invoke(func(c hubbleRedactConfig) { got = c }),
	)
	h.RegisterFlags(pflag.NewFlagSet("", pflag.ContinueOnError))
	m := map[string]any{}
	for k, v := range config {
		m[k] = v
	}
	if err := option.MergeConfig(h.Viper(), m); err != nil {
		return nil, got, err
	}
	if err := h.Populate(slog.New(slog.DiscardHandler)); err != nil {
		return nil, got, fmt.Errorf("decode cilium-config's Hubble settings: %w", err)
	}
	if !got.EnableRedact {
		return nil, got, nil
	}
	return []parseroptions.Option{parseroptions.WithRedact(got.RedactHttpURLQuery, got.RedactHttpUserInfo,
		got.RedactHttpHeadersAllow, got.RedactHttpHeadersDeny)}, got, nil
}

// hubbleFlowJSON is the flow Cilium's Hubble L7 parser (pkg/hubble/parser/seven)
// makes, with opts, of Envoy's access log record of GET /headers to
// api.github.com as it leaves Envoy: with Authorization set to value by a
// header match (Envoy records the headers after its policy altered them,
// cilium/proxy l7policy.cc). It is the flow as hubble observe -o json shows it.
func hubbleFlowJSON(value string, opts ...parseroptions.Option) ([]byte, error) {
	p, err := seven.New(slog.New(slog.DiscardHandler), nil, nil, nil, nil, opts...)
	if err != nil {
		return nil, err
	}
	u := &url.URL{Scheme: "https", Host: "api.github.com", Path: "/headers"}
	r := &accesslog.LogRecord{
		Type:                accesslog.TypeRequest,
		Timestamp:           time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC).Format(time.RFC3339Nano),
		ObservationPoint:    accesslog.Egress,
		IPVersion:           accesslog.VersionIPv4,
		TransportProtocol:   6,
		SourceEndpoint:      accesslog.EndpointInfo{ID: 1283, IPv4: "10.244.1.12", Port: 40000},
		DestinationEndpoint: accesslog.EndpointInfo{IPv4: "192.0.2.10", Port: 443},
		HTTP: &accesslog.LogRecordHTTP{Method: "GET", URL: u, Protocol: "HTTP/1.1",
			Headers:        http.Header{"Authorization": {value}, "User-Agent": {"curl/8.11.1"}},
			MissingHeaders: http.Header{"Authorization": {"[redacted]"}}},
	}
	var f flowpb.Flow
	if err := p.Decode(r, &f); err != nil {
		return nil, err
	}
	return protojson.Marshal(&f)
}

// TestHubbleRedactsSecretHeaders runs Cilium's own Hubble parser (of the
// cilium module in go.mod, v1.20.2) on the flow of a request Envoy sent
// with an Authorization header set from a secret, under the cilium-config
// the default release's chart renders with the sandbox's values: the
// header shows as HUBBLE_REDACTED. With redaction off (Cilium's default)
// the same flow holds the value, the control.
func TestHubbleRedactsSecretHeaders(t *testing.T) {
	v := versions.MustParseCilium(versions.DefaultCilium)
	c, _, err := release.LoadOffline(Chart(v), t.TempDir())
	if err != nil {
		t.Skipf("needs Cilium %s's chart in the Go module cache: %v", v, err)
	}
	r, err := release.Render(context.Background(), release.RenderInput{Chart: c, ReleaseName: ReleaseName, Namespace: Namespace,
		Values: Values(v, ValuesInput{ClusterName: "demo"})})
	if err != nil {
		t.Fatal(err)
	}
	objs, err := r.Objects()
	if err != nil {
		t.Fatal(err)
	}
	config := map[string]string{}
	for _, o := range objs {
		if o.GetKind() == "ConfigMap" && o.GetName() == "cilium-config" {
			for k, x := range o.Object["data"].(map[string]any) {
				config[k], _ = x.(string)
			}
		}
	}
	const value = "Bearer sandbox-redaction-test-value"
	opts, cfg, err := hubbleRedaction(config)
	if err != nil {
		t.Fatal(err)
	}
	redacted, err := hubbleFlowJSON(value, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(redacted, []byte(value)) || !bytes.Contains(redacted, []byte("HUBBLE_REDACTED")) {
		t.Errorf("the flow under Cilium %s's cilium-config (hubble-redact-enabled=%v, deny %v) does not redact Authorization: %s", v, cfg.EnableRedact, cfg.RedactHttpHeadersDeny, redacted)
	}
	plain, err := hubbleFlowJSON(value)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(plain, []byte(value)) {
		t.Errorf("control: with redaction off the flow does not hold the value, so the search above proves nothing: %s", plain)
	}
	t.Logf("Hubble (cilium-config hubble-redact-enabled=%v, deny %v): Authorization shows as HUBBLE_REDACTED; with redaction off it shows the value", cfg.EnableRedact, cfg.RedactHttpHeadersDeny)
}
