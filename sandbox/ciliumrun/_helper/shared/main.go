// Command helper runs one Cilium release's own agent and operator code for
// the sandbox binary, which speaks to it in the JSON protocol of
// sandbox/ciliumrun/wire over standard input and output. The sandbox's
// builder assembles it per release from the files shared by every minor
// (this directory) and the glue of the release's minor, whose Cilium API it
// calls.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun/wire"
)

// ciliumModule is the module whose code the helper runs.
const ciliumModule = "github.com/cilium/cilium"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(2)
	}
}

// serve answers the requests read from in, one Response each, until in
// ends.
func serve(ctx context.Context, in io.Reader, out io.Writer) error {
	dec := json.NewDecoder(bufio.NewReader(in))
	enc := json.NewEncoder(out)
	s := &session{}
	defer s.close(context.WithoutCancel(ctx))
	for {
		var req wire.Request
		if err := dec.Decode(&req); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return fmt.Errorf("read request: %w", err)
		}
		resp := s.handle(ctx, req)
		resp.ID = req.ID
		if err := enc.Encode(resp); err != nil {
			return fmt.Errorf("write response: %w", err)
		}
	}
}

// session is the helper's state across requests (cluster mode keeps its
// running agent here).
type session struct {
	closers []func(context.Context) error
	// cluster is cluster mode's operator and agent, once started.
	cluster clusterMode
}

func (s *session) close(ctx context.Context) {
	for i := len(s.closers) - 1; i >= 0; i-- {
		_ = s.closers[i](ctx)
	}
}

func (s *session) handle(ctx context.Context, req wire.Request) wire.Response {
	if req.Protocol != wire.Version {
		return wire.Response{Error: fmt.Sprintf("protocol version %d, this helper speaks %d: rebuild it", req.Protocol, wire.Version)}
	}
	hello, err := helloOf()
	if err != nil {
		return wire.Response{Error: err.Error()}
	}
	switch req.Op {
	case wire.OpHello:
		return wire.Response{Hello: hello}
	case wire.OpLint:
		if req.Lint == nil {
			return wire.Response{Error: "lint request without its input"}
		}
		res, err := lint(ctx, req.Lint)
		if err != nil {
			return wire.Response{Error: err.Error()}
		}
		res.Hello = *hello
		return wire.Response{Lint: res}
	case wire.OpStart, wire.OpView, wire.OpSecrets, wire.OpWaitSecret:
		resp := s.handleCluster(ctx, req)
		if resp.Started != nil {
			resp.Started.Hello = *hello
		}
		return resp
	}
	return wire.Response{Error: fmt.Sprintf("operation %q is not implemented by this helper", req.Op)}
}

// helloOf reads the Cilium release the binary was built with from its build
// information.
func helloOf() (*wire.Hello, error) {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return nil, errors.New("the helper carries no build information")
	}
	for _, m := range info.Deps {
		if m.Path == ciliumModule {
			return &wire.Hello{Protocol: wire.Version, Cilium: strings.TrimPrefix(m.Version, "v"), Modules: moduleNotes(info)}, nil
		}
	}
	return nil, fmt.Errorf("the helper was not built with %s", ciliumModule)
}

// droppedReplaces are the replace directives of Cilium's go.mod the helper
// does not repeat (the module proxy does not serve their targets), one per
// line, "k8s.io/apimachinery => github.com/cilium/apimachinery v0.30.2-1":
// set by the builder with -ldflags -X.
var droppedReplaces string

// moduleNotes says where the helper's modules differ from what Cilium's
// go.mod asks for, naming the module used instead.
func moduleNotes(info *debug.BuildInfo) []string {
	var out []string
	for _, line := range strings.Split(droppedReplaces, ";") {
		old, target, ok := strings.Cut(strings.TrimSpace(line), " => ")
		if !ok {
			continue
		}
		used := "upstream"
		for _, m := range info.Deps {
			if m.Path == old {
				used = "upstream " + m.Path + " " + m.Version
			}
		}
		out = append(out, fmt.Sprintf("%s: Cilium's go.mod replaces it with %s, which the Go module proxy does not serve; built with %s", old, target, used))
	}
	return out
}
