package csvcell

import "testing"

func TestEscapeUnescape(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"=1+1":                    "'=1+1",
		"+33 6 12 34 56 78":       "'+33 6 12 34 56 78",
		"-5% discount":            "'-5% discount",
		"@SUM(A1:A9)":             "'@SUM(A1:A9)",
		"\t=cmd|' /C calc'!A0":    "'\t=cmd|' /C calc'!A0",
		"\r=1":                    "'\r=1",
		"'quoted":                 "''quoted",
		"''two":                   "'''two",
		"=HYPERLINK(\"x\",\"y\")": "'=HYPERLINK(\"x\",\"y\")",
		"":                        "",
		"plain":                   "plain",
		"a=b":                     "a=b",
		" =1":                     " =1",
		"\n=1":                    "\n=1",
		"Ωmega":                   "Ωmega",
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
		if got := Unescape(Escape(in)); got != in {
			t.Errorf("Unescape(Escape(%q)) = %q", in, got)
		}
	}
	// Reading takes exactly one ' off, whatever wrote the file.
	for in, want := range map[string]string{"'x": "x", "''x": "'x", "x'": "x'", "'": ""} {
		if got := Unescape(in); got != want {
			t.Errorf("Unescape(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzRoundTrip(f *testing.F) {
	for _, s := range []string{"=1", "'", "''", "-", "@", "\t", "\r", "a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := Escape(s)
		if Unescape(e) != s {
			t.Errorf("round trip of %q gave %q", s, Unescape(e))
		}
		if risky(e) && e[0] != '\'' {
			t.Errorf("Escape(%q) = %q still starts a formula", s, e)
		}
	})
}
