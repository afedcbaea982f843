// Package suggest finds the name a user most likely meant when they gave
// one that is not known: "did you mean github?" for "gihtub".
package suggest

import "strings"

// Closest returns the candidate nearest to word by edit distance when it
// is a likely misspelling: other letter case, one edit, or two in a word
// of 8 letters or more ("gitlab" is a name of its own, not a misspelt
// "github"). Ties go to the first candidate; "" when word is a candidate.
func Closest(word string, candidates []string) string {
	best, bestDist := "", 3
	for _, c := range candidates {
		if c == word {
			return ""
		}
		d := editDistance(strings.ToLower(word), strings.ToLower(c))
		if d < bestDist && (d <= 1 || d == 2 && len(word) >= 8) {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the Damerau-Levenshtein distance (optimal string
// alignment) between a and b: insertions, deletions, substitutions and
// swaps of two adjacent letters, such as "gihtub" for "github", count one.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
