package doctor

// Status is the outcome of one check.
type Status string

const (
	// StatusPass means the check found what interception needs.
	StatusPass Status = "pass"
	// StatusFail means the check found a cause of interception not being active.
	StatusFail Status = "fail"
	// StatusWarn means something is off but does not stop interception by itself.
	StatusWarn Status = "warn"
	// StatusSkip means the check did not apply or waited on a failed
	// check; Reason says why.
	StatusSkip Status = "skip"
	// StatusUnread means a source the check needs could not be read (a
	// kind the dump lacks or the user may not read, no Hubble Relay, no
	// exec permission, a command that failed or printed what does not
	// parse), or holds nothing to judge by; Reason names the source and
	// why. It never passes.
	StatusUnread Status = "unread"
)

// Mark is the one-character mark of s in the text report.
func (s Status) Mark() string {
	switch s {
	case StatusPass:
		return "✓"
	case StatusFail:
		return "✗"
	case StatusWarn:
		return "!"
	case StatusUnread:
		return "?"
	default:
		return "-"
	}
}

// Finding is the result of one check: a reason rather than a bare false.
type Finding struct {
	// ID names the check, for example "secret-keys".
	ID string `json:"id"`
	// Title says what the check looks at.
	Title string `json:"title"`
	// Status is the outcome.
	Status Status `json:"status"`
	// Reason says what was found, in one sentence.
	Reason string `json:"reason"`
	// Fix says what to change when Status is fail or warn.
	Fix string `json:"fix,omitempty"`
	// Evidence lists the objects, keys and log lines the reason rests on.
	Evidence []string `json:"evidence,omitempty"`
}

// Report is the doctor's answer for one State.
type Report struct {
	// Source describes where the state came from.
	Source string `json:"source"`
	// CiliumVersion is the running Cilium release, when it could be read.
	CiliumVersion string `json:"ciliumVersion,omitempty"`
	// Findings are the checks' results in the order they ran.
	Findings []Finding `json:"findings"`
	// RootCause is the ID of the first failed check; empty when none failed.
	RootCause string `json:"rootCause,omitempty"`
	// Unread lists the checks whose sources could not be read (a dump
	// without Certificates, no Hubble Relay, no exec permission), in order.
	Unread []string `json:"unread,omitempty"`
}

// Failed reports whether any check failed.
func (r *Report) Failed() bool { return r.RootCause != "" }

// Finding returns the finding with id, or nil.
func (r *Report) Finding(id string) *Finding {
	for i := range r.Findings {
		if r.Findings[i].ID == id {
			return &r.Findings[i]
		}
	}
	return nil
}

// Cause returns the root-cause finding, or nil when nothing failed.
func (r *Report) Cause() *Finding {
	if r.RootCause == "" {
		return nil
	}
	return r.Finding(r.RootCause)
}

// Counts returns how many findings have each status.
func (r *Report) Counts() map[Status]int {
	out := map[Status]int{}
	for _, f := range r.Findings {
		out[f.Status]++
	}
	return out
}
