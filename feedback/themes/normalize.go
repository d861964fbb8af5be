package themes

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/kljensen/snowball/english"
)

// token is one normalised word: its stem (the feature), the lower-case word it
// came from (to print readable labels), and whether a sentence break or a
// dropped entity separates it from the token before (no bigram across it).
type token struct {
	stem    string
	surface string
	brk     bool
}

// Limits that keep the normaliser linear and its output sane on hostile input.
const (
	maxWordBytes     = 40   // longer "words" are hashes, base64 or garbage
	maxEntityBytes   = 1000 // a Slack <...> entity longer than this is not one
	maxTokensPerText = 5000 // enough for any note; caps work on 100 KB pastes
)

// shorthandAnyCase are sales abbreviations expanded whatever their case: none
// of them is an ordinary English word.
var shorthandAnyCase = map[string][]string{
	"poc": {"proof", "of", "concept"},
	"pov": {"proof", "of", "value"},
	"sow": {"statement", "of", "work"},
	"sso": {"single", "sign", "on"},
	"acv": {"annual", "contract", "value"},
	"arr": {"annual", "recurring", "revenue"},
	"mrr": {"monthly", "recurring", "revenue"},
	"nrr": {"net", "revenue", "retention"},
	"msa": {"master", "services", "agreement"},
	"rfp": {"request", "for", "proposal"},
	"rfi": {"request", "for", "information"},
	"sla": {"service", "level", "agreement"},
	"csm": {"customer", "success", "manager"},
	"sdr": {"sales", "development", "representative"},
	"bdr": {"business", "development", "representative"},
	"roi": {"return", "on", "investment"},
	"tco": {"total", "cost", "of", "ownership"},
	"qbr": {"quarterly", "business", "review"},
	"mql": {"marketing", "qualified", "lead"},
	"dpa": {"data", "processing", "agreement"},
	"icp": {"ideal", "customer", "profile"},
	"eoq": {"end", "of", "quarter"},
	"eoy": {"end", "of", "year"},
	"fy":  {"fiscal", "year"},
	// Reps' chat shorthand, as written in win/loss notes and escalations.
	"impl": {"implementation"},
	"sfdc": {"salesforce"},
	"msft": {"microsoft"},
	"eng":  {"engineering"},
	"proc": {"procurement"},
	"prio": {"priority"},
	"reqs": {"requirements"},
	"ela":  {"enterprise", "license", "agreement"},
	"yr":   {"year"},
	"yrs":  {"years"},
	"qtr":  {"quarter"},
	"wk":   {"week"},
	"wks":  {"weeks"},
	"bc":   {"because"},
}

// shorthandUpper are expanded only when written in capitals: in lower case
// they are ordinary words or mean something else ("ps", "se", "po", "cs").
var shorthandUpper = map[string][]string{
	"CW": {"closed", "won"},
	"CL": {"closed", "lost"},
	"EB": {"economic", "buyer"},
	"PS": {"professional", "services"},
	"AE": {"account", "executive"},
	"SE": {"sales", "engineer"},
	"PO": {"purchase", "order"},
	"CS": {"customer", "success"},
	"GA": {"general", "availability"},
	"PE": {"private", "equity"},
	"AP": {"accounts", "payable"},
	"AR": {"accounts", "receivable"},
	"MS": {"microsoft"},
}

// Normalize returns the stemmed terms of text in order: lower-cased,
// Unicode-aware words with URLs, e-mail addresses, numbers, Slack mentions,
// stop words and sales filler removed and sales shorthand expanded. It never
// fails; any input, valid UTF-8 or not, gives a (possibly empty) list.
// It is safe for concurrent use.
func Normalize(text string) []string {
	toks := sharedStems.tokens(text, nil)
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = t.stem
	}
	return out
}

// stemmer turns lower-case words into Snowball English stems, remembering the
// words it has seen (stemming is the costliest step of normalisation).
type stemmer struct {
	mu    sync.RWMutex
	cache map[string]string
	limit int // stop remembering beyond this many words
}

// sharedStems serves Normalize and taggers; batch jobs make their own so that
// a large corpus does not grow a process-wide cache.
var sharedStems = newStemmer(200_000)

func newStemmer(limit int) *stemmer {
	return &stemmer{cache: make(map[string]string), limit: limit}
}

func (s *stemmer) stem(word string) string {
	s.mu.RLock()
	st, ok := s.cache[word]
	s.mu.RUnlock()
	if ok {
		return st
	}
	st = stemWord(word)
	s.mu.Lock()
	if len(s.cache) < s.limit {
		s.cache[word] = st
	}
	s.mu.Unlock()
	return st
}

// stemWord stems plain ASCII words with Porter2; other scripts and words mixing
// letters and digits ("q4", "s3") are kept as they are.
func stemWord(word string) string {
	for i := 0; i < len(word); i++ {
		if c := word[i]; c < 'a' || c > 'z' {
			return word
		}
	}
	return english.Stem(word, true)
}

// tokens appends the normalised tokens of text to dst.
func (s *stemmer) tokens(text string, dst []token) []token {
	start := len(dst)
	brk := false
	emit := func(word string) {
		for _, w := range expand(word) {
			if len(dst)-start >= maxTokensPerText {
				return
			}
			if t, ok := s.makeToken(w); ok {
				t.brk = brk
				brk = false
				dst = append(dst, t)
			}
		}
	}
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case r == '<':
			if end, label, ok := slackEntity(text, i); ok {
				brk = true
				for _, w := range words(label) {
					emit(w.text)
				}
				brk = true
				i = end
				continue
			}
			i += size
		case unicode.IsSpace(r):
			if r == '\n' || r == '\r' {
				brk = true
			}
			i += size
		default:
			end := chunkEnd(text, i)
			chunk := text[i:end]
			if isLinkOrAddress(chunk) {
				brk = true
			} else {
				for _, w := range words(chunk) {
					if w.brkBefore {
						brk = true
					}
					emit(w.text)
				}
				if endsSentence(chunk) {
					brk = true
				}
			}
			i = end
		}
	}
	return dst
}

// makeToken lower-cases, filters and stems one raw word.
func (s *stemmer) makeToken(raw string) (token, bool) {
	w := strings.ToLower(raw)
	w = strings.ReplaceAll(w, "’", "'")
	w = strings.TrimSuffix(w, "'s")
	w = strings.ReplaceAll(w, "'", "")
	if w == "" || len(w) > maxWordBytes {
		return token{}, false
	}
	if first, _ := utf8.DecodeRuneInString(w); unicode.IsDigit(first) {
		return token{}, false // numbers, amounts ("50k"), ordinals, times
	}
	if utf8.RuneCountInString(w) < 2 {
		return token{}, false
	}
	if _, stop := stopWords[w]; stop {
		return token{}, false
	}
	return token{stem: s.stem(w), surface: w}, true
}

// expand replaces sales shorthand by its words; anything else is returned as is.
func expand(word string) []string {
	if exp, ok := shorthandUpper[word]; ok {
		return exp
	}
	// Plurals written in capitals: "POCs", "SOWs", "SDRs".
	if n := len(word); n > 2 && word[n-1] == 's' && isUpperASCII(word[:n-1]) {
		if exp, ok := shorthandAnyCase[strings.ToLower(word[:n-1])]; ok {
			return exp
		}
	}
	if len(word) <= 4 {
		if exp, ok := shorthandAnyCase[strings.ToLower(word)]; ok {
			return exp
		}
	}
	return []string{word}
}

func isUpperASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return s != ""
}

// slackEntity recognises Slack's escaped entities starting at text[i] == '<':
// user and channel mentions (<@U123>, <#C1|name>), special mentions
// (<!channel>, <!subteam^S1|@x>) and links (<https://x|label>, <mailto:…>).
// Mentions are dropped; a link keeps its human label, if any.
func slackEntity(text string, i int) (end int, label string, ok bool) {
	limit := min(len(text), i+maxEntityBytes)
	j := strings.IndexByte(text[i+1:limit], '>')
	if j < 0 {
		return 0, "", false
	}
	body := text[i+1 : i+1+j]
	if strings.ContainsAny(body, "\n<") || body == "" {
		return 0, "", false
	}
	end = i + 1 + j + 1
	switch body[0] {
	case '@', '#', '!':
		return end, "", true
	}
	if hasScheme(body) {
		if bar := strings.IndexByte(body, '|'); bar >= 0 {
			// Keep the label's words, not the addresses in it.
			var keep []string
			for _, f := range strings.Fields(body[bar+1:]) {
				if !isLinkOrAddress(f) {
					keep = append(keep, f)
				}
			}
			label = strings.Join(keep, " ")
		}
		return end, label, true
	}
	return 0, "", false
}

func hasScheme(s string) bool {
	ls := strings.ToLower(s[:min(len(s), 12)])
	return strings.HasPrefix(ls, "http://") || strings.HasPrefix(ls, "https://") ||
		strings.HasPrefix(ls, "mailto:") || strings.HasPrefix(ls, "tel:") || strings.HasPrefix(ls, "ftp://")
}

// chunkEnd returns the end of the whitespace-free run starting at i.
func chunkEnd(text string, i int) int {
	for j := i; j < len(text); {
		r, size := utf8.DecodeRuneInString(text[j:])
		if unicode.IsSpace(r) || r == '<' && j > i {
			return j
		}
		j += size
	}
	return len(text)
}

// isLinkOrAddress reports whether a whitespace-free chunk is a URL, an e-mail
// address, a bare @handle or a domain name, none of which is a theme word.
func isLinkOrAddress(chunk string) bool {
	if strings.HasPrefix(chunk, "@") || strings.Contains(chunk, "://") || hasScheme(chunk) {
		return true
	}
	lc := strings.ToLower(chunk)
	if strings.HasPrefix(lc, "www.") {
		return true
	}
	if at := strings.IndexByte(chunk, '@'); at > 0 && strings.IndexByte(chunk[at:], '.') > 0 {
		return true
	}
	for _, tld := range [...]string{".com", ".io", ".net/", ".org", ".co/", ".ai"} {
		if k := strings.Index(lc, tld); k > 0 && !strings.ContainsAny(lc[:k], ",;!?") {
			if rest := lc[k+len(tld):]; rest == "" || rest[0] == '/' || !isLetterByte(rest[0]) {
				return true
			}
		}
	}
	return false
}

func isLetterByte(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }

func endsSentence(chunk string) bool {
	r, _ := utf8.DecodeLastRuneInString(chunk)
	switch r {
	case '.', '!', '?', ';', ':', '…':
		return true
	}
	return false
}

// rawWord is a word cut from a chunk, with whether punctuation that ends a
// clause (". ! ? ; :" or a bracket) came just before it inside the chunk.
type rawWord struct {
	text      string
	brkBefore bool
}

// words cuts a chunk into runs of letters, digits and combining marks. An
// apostrophe between letters stays inside the word ("don't"); "#" and "++"
// right after a single letter are kept ("c#", "c++"); anything else splits.
func words(chunk string) []rawWord {
	var out []rawWord
	brk := false
	for i := 0; i < len(chunk); {
		r, size := utf8.DecodeRuneInString(chunk[i:])
		if !isWordRune(r) {
			switch r {
			case '.', '!', '?', ';', ':', '(', ')', '[', ']', '"', '…':
				brk = true
			}
			i += size
			continue
		}
		start := i
		for i < len(chunk) {
			r, size := utf8.DecodeRuneInString(chunk[i:])
			if isWordRune(r) {
				i += size
				continue
			}
			if (r == '\'' || r == '’') && i+size < len(chunk) {
				next, _ := utf8.DecodeRuneInString(chunk[i+size:])
				if unicode.IsLetter(next) {
					i += size
					continue
				}
			}
			break
		}
		end := i
		if end-start == 1 && end < len(chunk) {
			switch {
			case strings.HasPrefix(chunk[end:], "++"):
				end += 2
			case chunk[end] == '#':
				end++
			}
			i = end
		}
		out = append(out, rawWord{text: chunk[start:end], brkBefore: brk})
		brk = false
	}
	return out
}

func isWordRune(r rune) bool {
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r))
}
