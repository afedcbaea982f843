//go:build linux

package scenarios

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
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
// makes, with opts, of Envoy's access log record of GET /headers as it
// leaves Envoy: with headerName set to value by the header match (Envoy
// records the headers after its policy altered them, cilium/proxy
// l7policy.cc). It is the flow as hubble observe -o json shows it.
func hubbleFlowJSON(value string, opts ...parseroptions.Option) ([]byte, error) {
	p, err := seven.New(slog.New(slog.DiscardHandler), nil, nil, nil, nil, opts...)
	if err != nil {
		return nil, err
	}
	u := &url.URL{Scheme: "https", Host: githubHost, Path: headersPath}
	r := &accesslog.LogRecord{
		Type:                accesslog.TypeRequest,
		Timestamp:           time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC).Format(time.RFC3339Nano),
		ObservationPoint:    accesslog.Egress,
		IPVersion:           accesslog.VersionIPv4,
		TransportProtocol:   6,
		SourceEndpoint:      accesslog.EndpointInfo{ID: 1283, IPv4: "10.244.1.12", Port: 40000},
		DestinationEndpoint: accesslog.EndpointInfo{IPv4: githubAddr.Addr().String(), Port: githubAddr.Port()},
		HTTP: &accesslog.LogRecordHTTP{Method: "GET", URL: u, Protocol: "HTTP/1.1",
			Headers:        http.Header{headerName: {value}, "User-Agent": {"curl/8.11.1"}},
			MissingHeaders: http.Header{headerName: {"[redacted]"}}},
	}
	var f flowpb.Flow
	if err := p.Decode(r, &f); err != nil {
		return nil, err
	}
	return protojson.Marshal(&f)
}
