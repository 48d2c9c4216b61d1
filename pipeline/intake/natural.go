package intake

import "strings"

// naturalLess orders names the way people number pages: digit runs compare
// as numbers (page-2 before page-10), letters compare case-insensitively.
// Names equal under those rules fall back to a byte comparison so that the
// order is total and stable across runs.
func naturalLess(a, b string) bool {
	if c := naturalCompare(a, b); c != 0 {
		return c < 0
	}
	return a < b
}

func naturalCompare(a, b string) int {
	for a != "" && b != "" {
		ra, restA := nextRun(a)
		rb, restB := nextRun(b)
		da, db := isDigit(ra[0]), isDigit(rb[0])
		var c int
		switch {
		case da && db:
			c = compareNumbers(ra, rb)
		case da != db:
			// Digits sort before letters, as in a plain byte comparison.
			if da {
				c = -1
			} else {
				c = 1
			}
		default:
			c = strings.Compare(strings.ToLower(ra), strings.ToLower(rb))
		}
		if c != 0 {
			return c
		}
		a, b = restA, restB
	}
	switch {
	case a == "" && b == "":
		return 0
	case a == "":
		return -1
	default:
		return 1
	}
}

// nextRun splits off the leading run of digits or of non-digits.
func nextRun(s string) (run, rest string) {
	d := isDigit(s[0])
	i := 1
	for i < len(s) && isDigit(s[i]) == d {
		i++
	}
	return s[:i], s[i:]
}

// compareNumbers compares two digit runs by value without parsing them, so
// runs longer than an int64 still compare correctly.
func compareNumbers(a, b string) int {
	ta, tb := strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if len(ta) != len(tb) {
		if len(ta) < len(tb) {
			return -1
		}
		return 1
	}
	if c := strings.Compare(ta, tb); c != 0 {
		return c
	}
	// Same value: the one with fewer leading zeros first (2 before 02).
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return 0
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
