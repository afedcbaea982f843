package main

import (
	"encoding/json"
	"fmt"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
)

// redacted replaces a secret value in the helper's output.
const redacted = "<redacted>"

// secretFields are the protojson fields that carry secret values inline:
// private keys (envoy.config.core.v3.DataSource inline in a TLS
// certificate, cilium.TLSContext's privateKey).
var secretFields = map[string]bool{"privateKey": true}

// toJSON renders m as protojson with Envoy's and Cilium's field names,
// with secret values redacted unless keep.
func toJSON(m proto.Message, keep bool) (json.RawMessage, error) {
	data, err := protojson.MarshalOptions{}.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("protojson %T: %w", m, err)
	}
	if keep {
		return data, nil
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, err
	}
	return json.Marshal(redact(v))
}

func redact(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if secretFields[k] {
				t[k] = redacted
				continue
			}
			t[k] = redact(x)
		}
	case []any:
		for i := range t {
			t[i] = redact(t[i])
		}
	}
	return v
}

// unpack decodes an xDS resource into into.
func unpack(a *anypb.Any, into proto.Message) error {
	if err := a.UnmarshalTo(into); err != nil {
		return fmt.Errorf("decode %s: %w", a.GetTypeUrl(), err)
	}
	return nil
}
