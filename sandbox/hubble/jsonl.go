package hubble

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/cilium/cilium/api/v1/flow"
	"github.com/cilium/cilium/api/v1/observer"
	"google.golang.org/protobuf/encoding/protojson"
)

// WriteJSONL writes flows one per line as `hubble observe -o jsonpb` prints
// them: a GetFlowsResponse in protobuf's JSON mapping with the proto field
// names, holding the flow, its node and its time.
func WriteJSONL(w io.Writer, flows []*flow.Flow) error {
	m := protojson.MarshalOptions{UseProtoNames: true}
	for _, f := range flows {
		resp := &observer.GetFlowsResponse{
			ResponseTypes: &observer.GetFlowsResponse_Flow{Flow: f},
			NodeName:      f.GetNodeName(),
			Time:          f.GetTime(),
		}
		b, err := m.Marshal(resp)
		if err != nil {
			return fmt.Errorf("encode flow: %w", err)
		}
		// protojson varies its spacing on purpose; compact it so the same
		// flows always give the same line.
		var line bytes.Buffer
		if err := json.Compact(&line, b); err != nil {
			return fmt.Errorf("encode flow: %w", err)
		}
		line.WriteByte('\n')
		if _, err := w.Write(line.Bytes()); err != nil {
			return err
		}
	}
	return nil
}

// ReadJSONL reads what WriteJSONL (or `hubble observe -o jsonpb`) wrote:
// one GetFlowsResponse per line; lines without a flow (node status events)
// are left out. An error names the line.
func ReadJSONL(r io.Reader) ([]*flow.Flow, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	var out []*flow.Flow
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var resp observer.GetFlowsResponse
		if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(line, &resp); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if f := resp.GetFlow(); f != nil {
			out = append(out, f)
		}
	}
	return out, sc.Err()
}
