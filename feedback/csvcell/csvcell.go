// Package csvcell keeps text written to CSV from running as a spreadsheet formula
// (CSV injection): a cell a spreadsheet would evaluate gets one leading ', and reading
// takes exactly one off, so what is exported imports back byte for byte.
package csvcell

// risky reports whether a spreadsheet would run the cell as a formula (=, +, -, @, and
// tab or carriage return, which some strip before looking), or whether it starts with ',
// which must be escaped too so that reading can take exactly one ' off.
func risky(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r', '\'':
		return true
	}
	return false
}

// Escape is a text cell as it is written to CSV: with one more leading ' when it starts
// with =, +, -, @, a tab, a carriage return or '.
func Escape(s string) string {
	if risky(s) {
		return "'" + s
	}
	return s
}

// Unescape is a cell as read from CSV: one leading ' removed, if any, so that
// Unescape(Escape(s)) == s for every s.
func Unescape(s string) string {
	if len(s) > 0 && s[0] == '\'' {
		return s[1:]
	}
	return s
}
