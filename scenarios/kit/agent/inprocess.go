//go:build linux

package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"runtime"
	"strings"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/cilium/cilium/pkg/policy"

	"github.com/cilium-tls-intercept/sandbox/sandbox/cilium"
)

// ciliumModule is the Go module whose operator and agent code runs here.
const ciliumModule = "github.com/cilium/cilium"

// ModuleVersion returns the version of the Cilium module whose code this
// binary runs, without its "v". Test binaries carry no dependency list in
// their build info, so it is read from where the compiler found Cilium's
// policy package: the module cache directory "github.com/cilium/cilium@vX".
func ModuleVersion() (string, error) {
	pc := reflect.ValueOf(policy.NewPolicyRepository).Pointer()
	file, _ := runtime.FuncForPC(pc).FileLine(pc)
	_, rest, ok := strings.Cut(file, ciliumModule+"@")
	if !ok {
		return "", fmt.Errorf("cilium's policy package was built from %s, not from a module version", file)
	}
	v, _, _ := strings.Cut(rest, "/")
	return strings.TrimPrefix(v, "v"), nil
}

// InProcess is Cilium's operator and agent, configured from the
// cilium-config Cilium's chart installed, running in this process.
type InProcess struct {
	// Config is the cilium-config both were started with.
	Config   Config
	Operator *Operator
	Agent    *Agent
	// StandIns says what stands in for what, one line each.
	StandIns []string
	// StartTime is how long StartInProcess took.
	StartTime time.Duration
}

// StartInProcess reads cilium-config from Cilium's namespace, starts the
// operator and the agent from it, and counts the agent as the agent
// DaemonSet's pod (CountInProcessAgent). On error nothing keeps running.
func StartInProcess(ctx context.Context, kubeconfig string, cs kubernetes.Interface, logger *slog.Logger) (_ *InProcess, err error) {
	start := time.Now()
	cfg, err := ReadConfig(ctx, cs, cilium.Namespace)
	if err != nil {
		return nil, err
	}
	c := &InProcess{Config: cfg}
	defer func() {
		if err != nil {
			err = errors.Join(err, c.Stop(context.WithoutCancel(ctx)))
		}
	}()
	o := Options{Kubeconfig: kubeconfig, Config: cfg, Logger: logger}
	if c.Operator, err = StartOperator(ctx, o); err != nil {
		return nil, err
	}
	if c.Agent, err = StartAgent(ctx, o); err != nil {
		return nil, err
	}
	line, err := CountInProcessAgent(ctx, cs)
	if err != nil {
		return nil, err
	}
	c.StandIns = []string{
		line,
		fmt.Sprintf("proxy ports: DNS proxy %d, Envoy %d (stand-ins for the ports the agent's proxy allocates)", DNSProxyPort, EnvoyPort),
		"identities: workload and kube-dns numbered here; one per toFQDNs selector for the addresses the DNS proxy would learn",
		"Envoy: Go's crypto/tls, configured from the NPDS rule and the SDS secrets",
	}
	c.StartTime = time.Since(start)
	return c, nil
}

// Stop stops the agent and the operator.
func (c *InProcess) Stop(ctx context.Context) error {
	if c == nil {
		return nil
	}
	return errors.Join(c.Agent.Stop(ctx), c.Operator.Stop(ctx))
}
