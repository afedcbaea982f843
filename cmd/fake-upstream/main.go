// Command fake-upstream is an HTTPS server standing in for the public sites
// the scenarios request (api.github.com, sts.amazonaws.com, ...) when they
// run offline. It serves one certificate, signed by a fake public CA made at
// test time, for every name; answers /meta with JSON shaped like GitHub's;
// /headers with the request headers it received, each value as its SHA-256
// digest (so a test checks that a secret arrived without the secret coming
// back); and every other path with 200 and a JSON echo of the request.
//
// The scenarios' test kit (scenarios/kit/upstream) builds it on the host as
// a static binary (CGO_ENABLED=0) and runs it in an image FROM scratch, so
// running it needs a Docker daemon but no registry. It uses only the
// standard library and its handler's package
// (scenarios/kit/upstream/fakeupstream, standard library only).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// options are the command's flags.
type options struct {
	addr, certFile, keyFile string
}

func main() {
	var o options
	flag.StringVar(&o.addr, "addr", ":443", "address to listen on")
	flag.StringVar(&o.certFile, "cert", "/certs/tls.crt", "PEM certificate chain")
	flag.StringVar(&o.keyFile, "key", "/certs/tls.key", "PEM private key")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, func(addr string) { log.Printf("%s %s", readyLine, addr) }); err != nil {
		log.Fatal(err)
	}
}

// readyLine is logged once the server listens; the container waits for it.
const readyLine = "fake-upstream listening on"

// run serves HTTPS until ctx is done; ready is called with the bound address.
func run(ctx context.Context, o options, ready func(addr string)) error {
	l, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{Handler: newHandler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ServeTLS(l, o.certFile, o.keyFile) }()
	ready(l.Addr().String())
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}
