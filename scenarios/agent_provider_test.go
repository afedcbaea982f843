package scenarios

// The agent provider (--provider=agent): the scenarios' own features run on
// the hermetic control plane, where Cilium's chart and the interception
// chart are installed for real, with the release's own operator and agent
// in a helper deciding (identities from DNS answers through Cilium's FQDN
// machinery, the policy map, NPDS and SDS) and sandbox/envoystandin
// deciding for Envoy. The probe is scenarios/kit/agentprobe: a Go client
// resolving through the answers an offline kind run's CoreDNS gives,
// dialing the stand-in with the pod's SNI and trusting the pod's CA bundle,
// its result classified by the curl probe's classifier.

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/e2e-framework/pkg/envconf"

	"github.com/cilium-tls-intercept/sandbox/sandbox/ciliumrun/wire"
	"github.com/cilium-tls-intercept/sandbox/sandbox/dnsanswer"
	"github.com/cilium-tls-intercept/sandbox/sandbox/intercept"
	"github.com/cilium-tls-intercept/sandbox/sandbox/podexec"
	"github.com/cilium-tls-intercept/sandbox/sandbox/versions"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/agentprobe"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/probe"
	"github.com/cilium-tls-intercept/sandbox/scenarios/kit/upstream"
)

// agentDataPath is the agent provider's data path.
type agentDataPath struct {
	// answers are what the workload's DNS lookups return.
	answers dnsanswer.Answers
	// upstream stands in for the fake upstream containers of an offline
	// kind run: they all serve the same certificate and handler, so one
	// in-process server answers every address.
	upstream *agentprobe.Upstream

	mu     sync.Mutex
	worlds map[podexec.Target]*agentprobe.ClusterWorld
}

// standInPodName is the Pod made from the workload Deployment's template.
const standInPodName = intercept.WorkloadLabel + "-stand-in"

// setupAgentDataPath connects the suite to the hermetic control plane and
// sets up the agent provider's data path on the helper s.cilium runs.
func (s *suiteState) setupAgentDataPath(ctx context.Context, cfg *envconf.Config) error {
	var err error
	s.rest = s.hermetic.Config
	if s.cs, err = kubernetes.NewForConfig(s.rest); err != nil {
		return err
	}
	if s.dyn, err = dynamic.NewForConfig(s.rest); err != nil {
		return err
	}
	if _, err := restConfigOf(cfg); err != nil {
		return err
	}
	if s.publicRoots, err = probe.PoolFromPEM(s.fakeCerts.CAPEM); err != nil {
		return err
	}
	d := &agentDataPath{worlds: map[podexec.Target]*agentprobe.ClusterWorld{}}
	if d.answers, err = agentAnswers(ctx, s.opts.cilium); err != nil {
		return err
	}
	// The server outlives the setup's context; finish closes it.
	if d.upstream, err = agentprobe.StartUpstream(context.WithoutCancel(ctx), s.fakeCerts.CertPEM, s.fakeCerts.KeyPEM); err != nil {
		return err
	}
	s.agent = d
	if s.workload, err = s.createStandInPod(ctx); err != nil {
		return err
	}
	return s.waitSandboxCA(ctx)
}

// stop closes the in-process upstream.
func (d *agentDataPath) stop(context.Context) error {
	if d != nil && d.upstream != nil {
		d.upstream.Close()
	}
	return nil
}

// createStandInPod makes a Pod from the workload Deployment's template, as
// its ReplicaSet would: no kubelet runs it here, so it stays Pending; its
// labels and service account are what the agent derives the endpoint's
// identity from.
func (s *suiteState) createStandInPod(ctx context.Context) (podexec.Target, error) {
	d, err := s.cs.AppsV1().Deployments(intercept.WorkloadNamespace).Get(ctx, intercept.WorkloadLabel, metav1.GetOptions{})
	if err != nil {
		return podexec.Target{}, fmt.Errorf("the chart's workload Deployment: %w", err)
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: standInPodName, Namespace: d.Namespace, Labels: d.Spec.Template.Labels},
		Spec:       *d.Spec.Template.Spec.DeepCopy(),
	}
	pod.Spec.TerminationGracePeriodSeconds = ptr.To[int64](0)
	if _, err := s.cs.CoreV1().Pods(pod.Namespace).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		return podexec.Target{}, fmt.Errorf("create the workload's stand-in pod: %w", err)
	}
	return podexec.Target{Namespace: pod.Namespace, Pod: pod.Name, Container: workloadContainer}, nil
}

// world returns the agent's world seen from target's pod.
func (d *agentDataPath) world(ctx context.Context, s *suiteState, target podexec.Target) (*agentprobe.ClusterWorld, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if w, ok := d.worlds[target]; ok {
		return w, nil
	}
	pod, err := s.cs.CoreV1().Pods(target.Namespace).Get(ctx, target.Pod, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("the pod of %s: %w", target, err)
	}
	sa := pod.Spec.ServiceAccountName
	if sa == "" {
		sa = "default" // as the API server's ServiceAccount admission sets it
	}
	w := &agentprobe.ClusterWorld{Cluster: s.cilium.Cluster, Workload: wire.Workload{
		Name: "Pod " + pod.Namespace + "/" + pod.Name, Namespace: pod.Namespace, Labels: pod.Labels, ServiceAccount: sa}}
	d.worlds[target] = w
	return w, nil
}

// agentCorefile is CoreDNS's Corefile as kind installs it
// (scenarios/kit/upstream/testdata/kind.Corefile).
const agentCorefile = `.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30
    loop
    reload
    loadbalance
}
`

// agentAddrBase is where the agent provider's stand-in addresses start, on
// kind's Docker network (172.18.0.0/16), where an offline kind run's fake
// upstream containers get theirs.
var agentAddrBase = netip.MustParseAddr("172.18.0.100")

// agentAnswers are the DNS answers of the agent provider: each offline
// name at a stand-in address of its own, as the fake upstream containers
// of an offline kind run are, written into CoreDNS's Corefile by the
// function that writes the hosts block there and read back from it, so
// the two worlds get the same answers; checked, as the kind suite checks
// them, against the chart's policies for release v.
func agentAnswers(ctx context.Context, v versions.Cilium) (dnsanswer.Answers, error) {
	u := &upstream.Upstream{}
	addr := agentAddrBase
	for _, n := range offlineHosts() {
		u.Servers = append(u.Servers, upstream.Server{Name: n, Addr: addr})
		addr = addr.Next()
	}
	return hostsBlockAnswers(ctx, v, u.Answers())
}

// hostsBlockAnswers writes answers into a hosts block and returns what
// CoreDNS would answer from it, checked against the chart's policies for
// release v when v is not zero.
func hostsBlockAnswers(ctx context.Context, v versions.Cilium, answers dnsanswer.Answers) (dnsanswer.Answers, error) {
	corefile, err := upstream.WithHosts(agentCorefile, answers)
	if err != nil {
		return nil, err
	}
	out, err := upstream.HostsAnswers(corefile)
	if err != nil {
		return nil, err
	}
	if v == (versions.Cilium{}) {
		return out, nil
	}
	policies, err := fqdnPolicies(ctx, v, chartValues(upstreamLocal, nil))
	if err != nil {
		return nil, err
	}
	if err := separatePolicies(out, policies); err != nil {
		return nil, fmt.Errorf("the agent provider's answers: %w", err)
	}
	return out, nil
}

// agentProber is the agent provider's probe of target's pod.
func (s *suiteState) agentProber(ctx context.Context, target podexec.Target, answers dnsanswer.Answers) (*agentprobe.Prober, error) {
	if s.agent == nil || s.cilium == nil {
		return nil, errors.New("the agent provider's data path is not set up")
	}
	w, err := s.agent.world(ctx, s, target)
	if err != nil {
		return nil, err
	}
	return &agentprobe.Prober{World: w, Answers: answers, PodCA: s.sandboxCA, Upstream: s.agent.upstream}, nil
}
