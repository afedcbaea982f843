package main

import "fmt"

// Stand-in pod addresses: no pod runs, so the endpoints of the workloads
// and of kube-dns get addresses from kind's pod range here.
const kubeDNSAddress = "10.244.0.10"

// podAddress is the stand-in address of the i-th workload's endpoint.
func podAddress(i int) string { return fmt.Sprintf("10.244.1.%d", 10+i) }
