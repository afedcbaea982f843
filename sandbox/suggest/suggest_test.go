package suggest

import "testing"

func TestClosest(t *testing.T) {
	groups := []string{"aws", "github", "google"}
	for word, want := range map[string]string{
		"gihtub": "github", // two letters swapped
		"githb":  "github",
		"googel": "google",
		"gitlab": "", // a name of its own
		"github": "", // not misspelt
		"azure":  "",
		"aws2":   "aws",
	} {
		if got := Closest(word, groups); got != want {
			t.Errorf("Closest(%q) = %q, want %q", word, got, want)
		}
	}
	if got := Closest("certificatez", []string{"ca", "certificates"}); got != "certificates" {
		t.Errorf("Closest(certificatez) = %q", got)
	}
}

func TestClosestIgnoresCase(t *testing.T) {
	kinds := []string{"CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy", "CiliumEnvoyConfig"}
	if got := Closest("CiliumNetworkPolcy", kinds); got != "CiliumNetworkPolicy" {
		t.Errorf("Closest(CiliumNetworkPolcy) = %q", got)
	}
	if got := Closest("ciliumnetworkpolicy", kinds); got != "CiliumNetworkPolicy" {
		t.Errorf("Closest(ciliumnetworkpolicy) = %q: kinds are case-sensitive", got)
	}
}
