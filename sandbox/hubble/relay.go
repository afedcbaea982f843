package hubble

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/cilium/cilium/api/v1/flow"
	"github.com/cilium/cilium/api/v1/observer"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/transport/spdy"
)

// Where Cilium's chart runs Hubble Relay.
const (
	RelayNamespace = "kube-system"
	RelayService   = "hubble-relay"
)

// ErrNoRelay means no running Hubble Relay pod backs the service
// (hubble.relay.enabled is false, or the pod is not ready).
var ErrNoRelay = errors.New("no Hubble Relay")

// Relay is a connection to Hubble Relay through a port-forward.
type Relay struct {
	conn *grpc.ClientConn
	stop chan struct{}
}

// Dial port-forwards to a pod of the hubble-relay service in
// RelayNamespace and connects to its gRPC port. Close ends both.
func Dial(ctx context.Context, cfg *rest.Config) (*Relay, error) {
	return DialIn(ctx, cfg, RelayNamespace)
}

// DialIn is Dial for a Relay in namespace (where Cilium is installed).
func DialIn(ctx context.Context, cfg *rest.Config, namespace string) (*Relay, error) {
	if cfg == nil {
		return nil, errors.New("hubble relay: no cluster configuration")
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("kubernetes client: %w", err)
	}
	pod, port, err := relayPod(ctx, cs, namespace)
	if err != nil {
		return nil, err
	}
	local, stop, err := forward(ctx, cfg, cs, pod, port)
	if err != nil {
		return nil, err
	}
	conn, err := grpc.NewClient(fmt.Sprintf("127.0.0.1:%d", local), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		close(stop)
		return nil, fmt.Errorf("hubble relay grpc: %w", err)
	}
	return &Relay{conn: conn, stop: stop}, nil
}

// Close closes the connection and the port-forward.
func (r *Relay) Close() error {
	err := r.conn.Close()
	close(r.stop)
	return err
}

// Flows returns the flows GetFlows answers for req (which must not follow).
func (r *Relay) Flows(ctx context.Context, req *observer.GetFlowsRequest) ([]*flow.Flow, error) {
	stream, err := observer.NewObserverClient(r.conn).GetFlows(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("hubble get flows: %w", err)
	}
	var flows []*flow.Flow
	for {
		resp, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return flows, nil
		}
		if err != nil {
			return flows, fmt.Errorf("hubble get flows: %w", err)
		}
		if f := resp.GetFlow(); f != nil {
			flows = append(flows, f)
		}
	}
}

// RelayReader reads flows from Hubble Relay, connecting for each request.
type RelayReader struct {
	// Config is the cluster's REST configuration.
	Config *rest.Config
}

// Flows connects to the Relay in namespace, reads the flows req asks for
// (req must not follow) and disconnects. A missing Relay is ErrNoRelay.
func (r RelayReader) Flows(ctx context.Context, namespace string, req *observer.GetFlowsRequest) ([]*flow.Flow, error) {
	relay, err := DialIn(ctx, r.Config, namespace)
	if err != nil {
		return nil, err
	}
	defer relay.Close()
	return relay.Flows(ctx, req)
}

// relayPod returns a running pod behind the hubble-relay service and the
// container port the service targets.
func relayPod(ctx context.Context, cs kubernetes.Interface, namespace string) (*corev1.Pod, int32, error) {
	svc, err := cs.CoreV1().Services(namespace).Get(ctx, RelayService, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, 0, fmt.Errorf("%w: no service %s/%s (Cilium's Helm value hubble.relay.enabled=true creates it)", ErrNoRelay, namespace, RelayService)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("hubble relay service: %w", err)
	}
	pods, err := cs.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{
		LabelSelector: labels.SelectorFromSet(svc.Spec.Selector).String()})
	if err != nil {
		return nil, 0, fmt.Errorf("hubble relay pods: %w", err)
	}
	for i := range pods.Items {
		p := &pods.Items[i]
		if p.Status.Phase != corev1.PodRunning || len(svc.Spec.Ports) == 0 {
			continue
		}
		if port := targetPort(p, svc.Spec.Ports[0]); port > 0 {
			return p, port, nil
		}
	}
	return nil, 0, fmt.Errorf("%w: no running pod behind service %s/%s", ErrNoRelay, namespace, RelayService)
}

// targetPort resolves a service port's target port (a number or a name) in a pod.
func targetPort(p *corev1.Pod, sp corev1.ServicePort) int32 {
	if sp.TargetPort.IntVal > 0 {
		return sp.TargetPort.IntVal
	}
	name := sp.TargetPort.StrVal
	for _, c := range p.Spec.Containers {
		for _, cp := range c.Ports {
			if name == "" && cp.ContainerPort == sp.Port || name != "" && cp.Name == name {
				return cp.ContainerPort
			}
		}
	}
	if name == "" {
		return sp.Port
	}
	return 0
}

// forward port-forwards a free local port to the pod's port.
func forward(ctx context.Context, cfg *rest.Config, cs kubernetes.Interface, pod *corev1.Pod, port int32) (uint16, chan struct{}, error) {
	transport, upgrader, err := spdy.RoundTripperFor(cfg)
	if err != nil {
		return 0, nil, fmt.Errorf("port-forward transport: %w", err)
	}
	u := cs.CoreV1().RESTClient().Post().Resource("pods").Namespace(pod.Namespace).Name(pod.Name).SubResource("portforward").URL()
	dialer := spdy.NewDialer(upgrader, &http.Client{Transport: transport}, http.MethodPost, (*url.URL)(u))
	stop, ready := make(chan struct{}), make(chan struct{})
	fw, err := portforward.NewOnAddresses(dialer, []string{"127.0.0.1"}, []string{fmt.Sprintf("0:%d", port)}, stop, ready, io.Discard, io.Discard)
	if err != nil {
		return 0, nil, fmt.Errorf("port-forward to %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	errc := make(chan error, 1)
	go func() { errc <- fw.ForwardPorts() }()
	select {
	case <-ready:
	case err := <-errc:
		return 0, nil, fmt.Errorf("port-forward to %s/%s: %w", pod.Namespace, pod.Name, err)
	case <-ctx.Done():
		close(stop)
		return 0, nil, ctx.Err()
	}
	ports, err := fw.GetPorts()
	if err != nil || len(ports) == 0 {
		close(stop)
		return 0, nil, fmt.Errorf("port-forward to %s/%s: no local port: %v", pod.Namespace, pod.Name, err)
	}
	return ports[0].Local, stop, nil
}
