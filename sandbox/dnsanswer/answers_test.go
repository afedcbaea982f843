package dnsanswer

import (
	"encoding/json"
	"net/netip"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseResolve(t *testing.T) {
	tests := []struct {
		in, name, addr, err string
	}{
		{in: "api.github.com=140.82.112.5", name: "api.github.com", addr: "140.82.112.5"},
		{in: "API.GitHub.com.=140.82.112.5", name: "api.github.com", addr: "140.82.112.5"},
		{in: "example.com=[2606:4700::6812:179a]", name: "example.com", addr: "2606:4700::6812:179a"},
		{in: "example.com=::ffff:1.2.3.4", name: "example.com", addr: "1.2.3.4"},
		{in: "example.com", err: `--resolve "example.com": want NAME=ADDRESS`},
		{in: "example.com:443:1.2.3.4", err: "want NAME=ADDRESS"},
		{in: "example.com=1.2.3", err: `"1.2.3" is not an IP address`},
		{in: "*.example.com=1.2.3.4", err: `DNS name "*.example.com": it contains '*'`},
		{in: "api_x.example.com=1.2.3.4", err: `DNS name "api_x.example.com": its label "api_x" contains '_'`},
		{in: "=1.2.3.4", err: "is empty"},
		{in: "fe.example=fe80::1%eth0", err: "zone"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			name, addr, err := ParseResolve(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("ParseResolve(%q) error = %v, want one containing %q", tt.in, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if name != tt.name || addr != netip.MustParseAddr(tt.addr) {
				t.Errorf("ParseResolve(%q) = %s, %s; want %s, %s", tt.in, name, addr, tt.name, tt.addr)
			}
		})
	}
}

func TestSharedAddrs(t *testing.T) {
	a, err := FromResolve([]string{
		"api.github.com=10.0.0.1", "example.com=10.0.0.1", "sts.amazonaws.com=10.0.0.2",
		"example.com=10.0.0.3", "storage.googleapis.com=10.0.0.3", "api.github.com=10.0.0.1",
	})
	if err != nil {
		t.Fatal(err)
	}
	got := a.SharedAddrs()
	want := []Shared{
		{Addr: netip.MustParseAddr("10.0.0.1"), Names: []string{"api.github.com", "example.com"}},
		{Addr: netip.MustParseAddr("10.0.0.3"), Names: []string{"example.com", "storage.googleapis.com"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("SharedAddrs() = %v, want %v", got, want)
	}
	if n := len(a["api.github.com"]); n != 1 {
		t.Errorf("a repeated --resolve value gave %d records, want 1", n)
	}
	if got := a.NamesOf(netip.MustParseAddr("10.0.0.2")); !reflect.DeepEqual(got, []string{"sts.amazonaws.com"}) {
		t.Errorf("NamesOf(10.0.0.2) = %v", got)
	}
}

func TestDistinct(t *testing.T) {
	known := Answers{}
	if err := known.Add("example.com", netip.MustParseAddr("198.18.0.1"), 60); err != nil {
		t.Fatal(err)
	}
	a, err := Distinct([]string{"sts.amazonaws.com", "api.github.com", "Example.com", "api.github.com"}, known)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"api.github.com": "198.18.0.2", "example.com": "198.18.0.1", "sts.amazonaws.com": "198.18.0.3"}
	for n, addr := range want {
		if got := a.Addrs(n); len(got) != 1 || got[0] != netip.MustParseAddr(addr) {
			t.Errorf("%s: %v, want [%s]", n, got, addr)
		}
	}
	if s := a.SharedAddrs(); len(s) != 0 {
		t.Errorf("Distinct shares addresses: %v", s)
	}
	if _, err := Distinct([]string{"bad name"}, nil); err == nil || !strings.Contains(err.Error(), `"bad name"`) {
		t.Errorf("Distinct(bad name) error = %v, want one naming it", err)
	}
}

func TestJSONRoundTrip(t *testing.T) {
	a, err := FromResolve([]string{"api.github.com=140.82.112.5"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"api.github.com":[{"addr":"140.82.112.5","ttl":3600}]}`; got != want {
		t.Errorf("JSON = %s, want %s", got, want)
	}
	var back Answers
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, a) {
		t.Errorf("round trip = %v, %v; want %v", back, err, a)
	}
}

// TestRecordedFixtures reads fixtures/dns and checks what the files claim:
// internet.json gives the scenarios' names distinct addresses, and
// private-google-access.json is a shared-address case.
func TestRecordedFixtures(t *testing.T) {
	dir := filepath.Join("..", "..", "fixtures", "dns")
	inet, err := ReadRecording(filepath.Join(dir, "internet.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"api.github.com", "github.com", "sts.amazonaws.com", "storage.googleapis.com", "example.com"} {
		if len(inet.Answers.Addrs(n)) == 0 {
			t.Errorf("internet.json: no answer for %s", n)
		}
		if inet.Sources[n] == "" {
			t.Errorf("internet.json: no source for %s", n)
		}
	}
	if s := inet.Answers.SharedAddrs(); len(s) != 0 {
		t.Errorf("internet.json: names share addresses: %v", s)
	}
	pga, err := ReadRecording(filepath.Join(dir, "private-google-access.json"))
	if err != nil {
		t.Fatal(err)
	}
	if s := pga.Answers.SharedAddrs(); len(s) != 4 || len(s[0].Names) != 3 {
		t.Errorf("private-google-access.json: shared = %v, want 4 addresses each shared by 3 names", s)
	}
	if _, err := DecodeRecording(strings.NewReader(`{"recorded":"x","how":"y","answers":{"a b":[]}}`)); err == nil {
		t.Error("DecodeRecording accepted a bad name")
	}
}
