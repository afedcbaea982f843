package dnsanswer

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// Recording is a set of answers with where they came from: the form of the
// recorded internet answers under fixtures/dns.
type Recording struct {
	// Recorded is the date the answers were taken (YYYY-MM-DD).
	Recorded string `json:"recorded"`
	// How says how they were obtained.
	How string `json:"how"`
	// Sources are the documents the addresses were taken from, by name.
	Sources map[string]string `json:"sources,omitempty"`
	// Notes say, per name, anything a reader must know about its answer
	// (which addresses it shares, why they are the ones recorded).
	Notes map[string]string `json:"notes,omitempty"`
	// Answers are the answers.
	Answers Answers `json:"answers"`
}

// DecodeRecording reads a Recording as JSON, rejecting unknown fields,
// and validates it.
func DecodeRecording(r io.Reader) (Recording, error) {
	var rec Recording
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rec); err != nil {
		return Recording{}, fmt.Errorf("decode recorded DNS answers: %w", err)
	}
	if strings.TrimSpace(rec.Recorded) == "" || strings.TrimSpace(rec.How) == "" {
		return Recording{}, fmt.Errorf("recorded DNS answers: \"recorded\" (a date) and \"how\" are required")
	}
	if len(rec.Answers) == 0 {
		return Recording{}, fmt.Errorf("recorded DNS answers: no answers")
	}
	if err := rec.Answers.Validate(); err != nil {
		return Recording{}, fmt.Errorf("recorded DNS answers: %w", err)
	}
	return rec, nil
}

// ReadRecording reads the Recording in file path.
func ReadRecording(path string) (Recording, error) {
	f, err := os.Open(path)
	if err != nil {
		return Recording{}, fmt.Errorf("read recorded DNS answers: %w", err)
	}
	defer f.Close()
	rec, err := DecodeRecording(f)
	if err != nil {
		return Recording{}, fmt.Errorf("%s: %w", path, err)
	}
	return rec, nil
}
