package feedback

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The buyer survey (issue 19): a rep sends the buyer of a closed deal a link; the
// buyer's answer is stored as feedback with SourceBuyerSurvey, linked to the rep's item
// and its deal, so it is tagged, counted, exported, forgotten and purged like any other.

// SourceBuyerSurvey marks feedback written by a buyer through a survey link.
const SourceBuyerSurvey Source = "buyer_survey"

// DefaultSurveyExpiry is how long a survey link works unless asked otherwise.
const DefaultSurveyExpiry = 720 * time.Hour

// MaxSurveyExpiry bounds --expires: a link is a bearer credential.
const MaxSurveyExpiry = 90 * 24 * time.Hour

// MaxSurveyText is the longest answer to one question, in characters.
const MaxSurveyText = 2000

// Errors of the survey.
var (
	// ErrSurveyGone means the token is unknown, expired or revoked: the buyer is told
	// the same thing in all three cases, so a guess learns nothing.
	ErrSurveyGone = errors.New("survey link unknown, expired or revoked")
	// ErrSurveyAnswered means the link was answered already (one answer per link).
	ErrSurveyAnswered = errors.New("survey already answered")
	// ErrSurveyOfSurvey means a link was asked for a buyer's own answer.
	ErrSurveyOfSurvey = errors.New("a buyer's answer cannot be sent to the buyer again")
)

// surveyTokenBytes is the token's randomness: 256 bits, well over the 128 required.
const surveyTokenBytes = 32

// SurveyTokenLen is the length of a token as it appears in the URL (unpadded base64url).
var SurveyTokenLen = base64.RawURLEncoding.EncodedLen(surveyTokenBytes)

// NewSurveyToken returns a fresh token from the system's random source.
func NewSurveyToken() (string, error) {
	b := make([]byte, surveyTokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("survey token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// SurveyTokenHash is what the store keeps of a token: its SHA-256. The token has 256
// random bits, so a plain hash cannot be reversed by trying candidates.
func SurveyTokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// ValidSurveyToken reports whether s has the shape of a token (so junk never reaches
// the database).
func ValidSurveyToken(s string) bool {
	if len(s) != SurveyTokenLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// SurveyLink is a link sent to a buyer (never its token: only the hash is kept).
type SurveyLink struct {
	ID         int64
	FeedbackID int64
	// DealID is the rep's item's deal, 0 when it has none.
	DealID    int64
	CreatedBy string
	CreatedAt time.Time
	ExpiresAt time.Time
	Revoked   bool
	// AnswerID is the buyer's answer (a feedback item), 0 while unanswered.
	AnswerID int64
	// Outcome and Account are the rep's item's: which questions the page asks.
	Outcome Outcome
	Account string
}

// Answered reports whether the buyer answered.
func (l SurveyLink) Answered() bool { return l.AnswerID != 0 }

// Survey form field names, shared by the page and the errors it shows.
const (
	SurveyChoseUs       = "chose_us"       // won: what made you choose us
	SurveyNearlyStopped = "nearly_stopped" // won: what nearly stopped you
	SurveyLookedAt      = "looked_at"      // won: who else you looked at
	SurveyChoseOther    = "chose_other"    // lost: who you chose, and why
	SurveyChangeMind    = "change_mind"    // lost: what would have changed your mind
	SurveyTalkAgain     = "talk_again"     // lost: would you talk to us again
	SurveyEase          = "ease"           // both: 0–10 how easy we were to buy from
	SurveyMayQuote      = "may_quote"      // both: may we quote you
)

// TalkAgain answers "would you talk to us again".
var TalkAgainChoices = []string{"yes", "maybe", "no"}

// SurveyAnswer is what a buyer typed, as typed (nothing trimmed or cut).
type SurveyAnswer struct {
	ChoseUs, NearlyStopped, LookedAt string
	ChoseOther, ChangeMind           string
	TalkAgain                        string
	// Ease is the 0–10 score as typed ("" when not given).
	Ease     string
	MayQuote bool
}

// SurveyQuestions are the text questions of a deal's outcome, in page order.
func SurveyQuestions(o Outcome) []string {
	if o == Won {
		return []string{SurveyChoseUs, SurveyNearlyStopped, SurveyLookedAt}
	}
	return []string{SurveyChoseOther, SurveyChangeMind}
}

// Text returns the answer to a text question by field name.
func (a SurveyAnswer) Text(field string) string {
	switch field {
	case SurveyChoseUs:
		return a.ChoseUs
	case SurveyNearlyStopped:
		return a.NearlyStopped
	case SurveyLookedAt:
		return a.LookedAt
	case SurveyChoseOther:
		return a.ChoseOther
	case SurveyChangeMind:
		return a.ChangeMind
	}
	return ""
}

// EaseScore is the validated ease score, nil when not given.
func (a SurveyAnswer) EaseScore() *int {
	n, err := strconv.Atoi(a.Ease)
	if a.Ease == "" || err != nil {
		return nil
	}
	return &n
}

// Validate checks an answer for a deal with outcome o; errors are keyed by field.
func (a SurveyAnswer) Validate(o Outcome) FieldErrors {
	errs := FieldErrors{}
	answered := false
	for _, f := range SurveyQuestions(o) {
		t := a.Text(f)
		if strings.TrimSpace(t) != "" {
			answered = true
		}
		if msg := checkSurveyText(t); msg != "" {
			errs[f] = msg
		}
	}
	if a.Ease != "" {
		if n, err := strconv.Atoi(a.Ease); err != nil || n < 0 || n > 10 || strconv.Itoa(n) != a.Ease {
			errs[SurveyEase] = "Pick a score from 0 to 10."
		} else {
			answered = true
		}
	}
	if o != Won && a.TalkAgain != "" {
		if !contains(TalkAgainChoices, a.TalkAgain) {
			errs[SurveyTalkAgain] = "Pick yes, maybe or no."
		} else {
			answered = true
		}
	}
	if !answered && len(errs) == 0 {
		errs[SurveyQuestions(o)[0]] = "Answer at least one question, please."
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func checkSurveyText(s string) string {
	switch {
	case !utf8.ValidString(s):
		return "This text has invalid characters; type it again as plain text."
	case strings.ContainsRune(s, 0):
		return "This text contains a NUL character; remove it."
	case utf8.RuneCountInString(s) > MaxSurveyText:
		return fmt.Sprintf("This is %d characters; the limit is %d. Please shorten it (your text is kept below).",
			utf8.RuneCountInString(s), MaxSurveyText)
	}
	return ""
}

// surveyFeedback is the answer as a feedback item about the rep's item rep: the won
// questions fill what worked, what didn't and the prospect's words; the lost ones what
// didn't and the prospect's words. Stored byte for byte.
func (a SurveyAnswer) surveyFeedback(rep Feedback, linkID int64, at time.Time) Feedback {
	f := Feedback{
		CreatedAt: at, ReporterID: rep.ReporterID, Outcome: rep.Outcome, Account: rep.Account,
		Currency: rep.Currency, Region: rep.Region, HideName: true, Source: SourceBuyerSurvey,
		Key: fmt.Sprintf("survey:%d", linkID), DealID: rep.DealID,
	}
	if rep.Outcome == Won {
		f.WhatWorked, f.WhatDidnt, f.Verbatim = a.ChoseUs, a.NearlyStopped, a.LookedAt
	} else {
		f.WhatDidnt, f.Verbatim = a.ChoseOther, a.ChangeMind
	}
	return f
}

// SurveyAnswerOf reads a stored answer back into the survey's questions.
func SurveyAnswerOf(f Feedback) SurveyAnswer {
	if f.Outcome == Won {
		return SurveyAnswer{ChoseUs: f.WhatWorked, NearlyStopped: f.WhatDidnt, LookedAt: f.Verbatim}
	}
	return SurveyAnswer{ChoseOther: f.WhatDidnt, ChangeMind: f.Verbatim}
}

// SurveyReply is a stored buyer answer with what the survey asked besides the texts.
type SurveyReply struct {
	Link     SurveyLink
	Answer   Feedback
	Ease     *int
	MayQuote bool
	// TalkAgain is "yes", "maybe", "no" or "".
	TalkAgain string
}

// SurveyURL is a link's URL on the public base (VOS_PUBLIC_URL): base + /s/{token}.
func SurveyURL(base, token string) string {
	return strings.TrimRight(base, "/") + "/s/" + token
}
