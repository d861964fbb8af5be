package feedback

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/riverqueue/river"
)

// SurveyLinkRequest asks for a survey link about a feedback item.
type SurveyLinkRequest struct {
	FeedbackID int64
	// By is the Slack user asking; only the item's reporter may, unless Operator (the
	// `vosbot survey link` command, run by whoever runs vosbot).
	By       string
	Operator bool
	// TTL is how long the link works; 0 for DefaultSurveyExpiry.
	TTL time.Duration
}

const insertSurveyLink = `
INSERT INTO survey_links (token_hash, feedback_id, deal_id, created_by, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING id`

// CreateSurveyLink makes a new link for the item's deal (or the item itself when it has
// no deal) and returns its token, which is never stored: only its hash is.
func (s *Store) CreateSurveyLink(ctx context.Context, req SurveyLinkRequest) (string, SurveyLink, error) {
	ttl := req.TTL
	if ttl == 0 {
		ttl = DefaultSurveyExpiry
	}
	if ttl < time.Minute || ttl > MaxSurveyExpiry {
		return "", SurveyLink{}, fmt.Errorf("survey link: expiry %v: must be between 1m and %v", ttl, MaxSurveyExpiry)
	}
	rep, err := s.Feedback(ctx, req.FeedbackID)
	if err != nil {
		return "", SurveyLink{}, fmt.Errorf("survey link: %w", err)
	}
	if rep.Source == SourceBuyerSurvey {
		return "", SurveyLink{}, fmt.Errorf("survey link for feedback %d: %w", rep.ID, ErrSurveyOfSurvey)
	}
	by := req.By
	if !req.Operator && by != rep.ReporterID {
		return "", SurveyLink{}, fmt.Errorf("survey link for feedback %d filed by someone else: %w", rep.ID, ErrForbidden)
	}
	if by == "" {
		by = "operator"
	}
	token, err := NewSurveyToken()
	if err != nil {
		return "", SurveyLink{}, err
	}
	now := s.now().UTC()
	l := SurveyLink{FeedbackID: rep.ID, DealID: rep.DealID, CreatedBy: by, CreatedAt: now, ExpiresAt: now.Add(ttl),
		Outcome: rep.Outcome, Account: rep.Account}
	var deal *int64
	if rep.DealID != 0 {
		deal = &rep.DealID
	}
	if err := s.pool.QueryRow(ctx, insertSurveyLink, SurveyTokenHash(token), rep.ID, deal, by, now, l.ExpiresAt).Scan(&l.ID); err != nil {
		return "", SurveyLink{}, fmt.Errorf("survey link: %w", err)
	}
	return token, l, nil
}

// surveyLinkColumns selects a surveyLinkRow from survey_links l joined to the rep's
// item f and its answer a.
const surveyLinkColumns = `
    l.id, l.feedback_id, COALESCE(l.deal_id, 0) AS deal_id, l.created_by, l.created_at, l.expires_at,
    (l.revoked_at IS NOT NULL) AS revoked, COALESCE(a.answer_id, 0) AS answer_id, f.outcome, f.account`

type surveyLinkRow struct {
	ID         int64     `db:"id"`
	FeedbackID int64     `db:"feedback_id"`
	DealID     int64     `db:"deal_id"`
	CreatedBy  string    `db:"created_by"`
	CreatedAt  time.Time `db:"created_at"`
	ExpiresAt  time.Time `db:"expires_at"`
	Revoked    bool      `db:"revoked"`
	AnswerID   int64     `db:"answer_id"`
	Outcome    string    `db:"outcome"`
	Account    string    `db:"account"`
}

func (r surveyLinkRow) link() SurveyLink {
	return SurveyLink{ID: r.ID, FeedbackID: r.FeedbackID, DealID: r.DealID, CreatedBy: r.CreatedBy,
		CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(), Revoked: r.Revoked, AnswerID: r.AnswerID,
		Outcome: Outcome(r.Outcome), Account: r.Account}
}

func surveyLinkWhere(ctx context.Context, q querier, sql string, args ...any) (SurveyLink, bool, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return SurveyLink{}, false, err
	}
	rs, err := pgx.CollectRows(rows, pgx.RowToStructByName[surveyLinkRow])
	if err != nil || len(rs) == 0 {
		return SurveyLink{}, false, err
	}
	return rs[0].link(), true, nil
}

// A live link: known hash, not revoked, not expired at $2.
const selectLiveSurveyLink = `
SELECT ` + surveyLinkColumns + `
FROM survey_links l JOIN feedback f ON f.id = l.feedback_id
LEFT JOIN survey_answers a ON a.link_id = l.id
WHERE l.token_hash = $1 AND l.revoked_at IS NULL AND l.expires_at > $2`

// SurveyByToken returns the live link of a token (answered or not), or ErrSurveyGone
// when the token is unknown, expired or revoked.
func (s *Store) SurveyByToken(ctx context.Context, token string) (SurveyLink, error) {
	if !ValidSurveyToken(token) {
		return SurveyLink{}, ErrSurveyGone
	}
	l, ok, err := surveyLinkWhere(ctx, s.pool, selectLiveSurveyLink, SurveyTokenHash(token), s.now())
	if err != nil {
		return SurveyLink{}, fmt.Errorf("survey link: %w", err)
	}
	if !ok {
		return SurveyLink{}, ErrSurveyGone
	}
	return l, nil
}

const selectSurveyLinkByID = `
SELECT ` + surveyLinkColumns + `
FROM survey_links l JOIN feedback f ON f.id = l.feedback_id
LEFT JOIN survey_answers a ON a.link_id = l.id
WHERE l.id = $1`

// SurveyLink returns a link by id, or ErrNotFound.
func (s *Store) SurveyLink(ctx context.Context, id int64) (SurveyLink, error) {
	l, ok, err := surveyLinkWhere(ctx, s.pool, selectSurveyLinkByID, id)
	if err != nil {
		return SurveyLink{}, fmt.Errorf("survey link %d: %w", id, err)
	}
	if !ok {
		return SurveyLink{}, fmt.Errorf("survey link %d: %w", id, ErrNotFound)
	}
	return l, nil
}

const lockLiveSurveyLink = `
SELECT l.id FROM survey_links l
WHERE l.token_hash = $1 AND l.revoked_at IS NULL AND l.expires_at > $2
FOR UPDATE`

const selectSurveyAnswered = `SELECT EXISTS (SELECT 1 FROM survey_answers WHERE link_id = $1)`

const insertSurveyAnswer = `
INSERT INTO survey_answers (link_id, answer_id, feedback_id, ease, may_quote, talk_again, answered_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)`

const setFeedbackDeal = `UPDATE feedback SET deal_id = $2 WHERE id = $1`

// AnswerSurvey stores a buyer's answer once: the link is locked, so two tabs posting at
// once store one answer and the other gets ErrSurveyAnswered (the link's primary key in
// survey_answers and the item's idempotency key stand behind the lock). The tagging job
// and the rep's notice are enqueued in the same transaction. Validation errors come back
// as FieldErrors, with nothing stored.
func (s *Store) AnswerSurvey(ctx context.Context, token string, a SurveyAnswer) (Feedback, error) {
	if !ValidSurveyToken(token) {
		return Feedback{}, ErrSurveyGone
	}
	hash := SurveyTokenHash(token)
	var saved Feedback
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		now := s.now().UTC()
		var linkID int64
		if err := tx.QueryRow(ctx, lockLiveSurveyLink, hash, now).Scan(&linkID); errors.Is(err, pgx.ErrNoRows) {
			return ErrSurveyGone
		} else if err != nil {
			return fmt.Errorf("lock survey link: %w", err)
		}
		var answered bool
		if err := tx.QueryRow(ctx, selectSurveyAnswered, linkID).Scan(&answered); err != nil {
			return fmt.Errorf("survey answered: %w", err)
		} else if answered {
			return ErrSurveyAnswered
		}
		l, _, err := surveyLinkWhere(ctx, tx, selectSurveyLinkByID, linkID)
		if err != nil {
			return fmt.Errorf("survey link: %w", err)
		}
		if errs := a.Validate(l.Outcome); errs != nil {
			return errs
		}
		rep, err := feedbackWhere(ctx, tx, selectFeedbackByID, l.FeedbackID)
		if err != nil {
			return err
		}
		f := a.surveyFeedback(rep, linkID, now)
		var id int64
		err = tx.QueryRow(ctx, insertFeedback, f.CreatedAt, f.ReporterID, f.Outcome, f.Account, nil,
			f.Currency, f.Region, []string{}, []string{}, f.WhatWorked, f.WhatDidnt, f.Verbatim, "",
			"", f.HideName, f.Source, f.Key, "").Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrSurveyAnswered
		}
		if err != nil {
			return fmt.Errorf("insert survey answer: %w", err)
		}
		if l.DealID != 0 {
			if _, err := tx.Exec(ctx, setFeedbackDeal, id, l.DealID); err != nil {
				return fmt.Errorf("link survey answer to its deal: %w", err)
			}
		}
		talk := ""
		if l.Outcome != Won {
			talk = a.TalkAgain
		}
		if _, err := tx.Exec(ctx, insertSurveyAnswer, linkID, id, l.FeedbackID, a.EaseScore(), a.MayQuote, talk, now); err != nil {
			var pgErr *pgconn.PgError
			if errors.As(err, &pgErr) && pgErr.Code == "23505" {
				return ErrSurveyAnswered
			}
			return fmt.Errorf("insert survey answer: %w", err)
		}
		f.ID, f.UpdatedAt, f.DealID = id, now, l.DealID
		saved = f
		return s.enqueue(ctx, tx, s.surveyAnsweredJobs(id, linkID)...)
	})
	var fe FieldErrors
	if errors.As(err, &fe) || errors.Is(err, ErrSurveyGone) || errors.Is(err, ErrSurveyAnswered) {
		return Feedback{}, err
	}
	if err != nil {
		return Feedback{}, fmt.Errorf("answer survey: %w", err)
	}
	return saved, nil
}

// surveyAnsweredJobs are the jobs an answer causes: tagging it like any other
// feedback, and telling the rep.
func (s *Store) surveyAnsweredJobs(answerID, _ int64) []river.JobArgs {
	return []river.JobArgs{TagFeedbackArgs{FeedbackIDs: []int64{answerID}}, SurveyAnsweredArgs{AnswerID: answerID}}
}

const lockSurveyLinkForRevoke = `
SELECT l.created_by, f.reporter_id, l.revoked_at IS NOT NULL
FROM survey_links l JOIN feedback f ON f.id = l.feedback_id
WHERE l.id = $1 FOR UPDATE OF l`

const revokeSurveyLink = `UPDATE survey_links SET revoked_at = $2, token_hash = NULL WHERE id = $1`

// RevokeSurveyLink stops a link from working at once (its token hash is deleted). Only
// the rep who filed the item (or the operator) may; revoking twice is not an error.
// Returns whether this call revoked it.
func (s *Store) RevokeSurveyLink(ctx context.Context, linkID int64, by string, operator bool) (bool, error) {
	revoked := false
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var createdBy, reporter string
		var already bool
		if err := tx.QueryRow(ctx, lockSurveyLinkForRevoke, linkID).Scan(&createdBy, &reporter, &already); errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("survey link %d: %w", linkID, ErrNotFound)
		} else if err != nil {
			return err
		}
		if !operator && by != reporter {
			return fmt.Errorf("survey link %d belongs to %s: %w", linkID, reporter, ErrForbidden)
		}
		if already {
			return nil
		}
		if _, err := tx.Exec(ctx, revokeSurveyLink, linkID, s.now()); err != nil {
			return err
		}
		revoked = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("revoke survey link: %w", err)
	}
	return revoked, nil
}

const selectSurveyReply = `
SELECT a.ease, a.may_quote, a.talk_again FROM survey_answers a WHERE a.answer_id = $1`

// SurveyReply returns a buyer's answer (a feedback item's id) with its link.
func (s *Store) SurveyReply(ctx context.Context, answerID int64) (SurveyReply, error) {
	var r SurveyReply
	if err := s.pool.QueryRow(ctx, selectSurveyReply, answerID).Scan(&r.Ease, &r.MayQuote, &r.TalkAgain); errors.Is(err, pgx.ErrNoRows) {
		return r, fmt.Errorf("survey answer %d: %w", answerID, ErrNotFound)
	} else if err != nil {
		return r, fmt.Errorf("survey answer %d: %w", answerID, err)
	}
	f, err := s.Feedback(ctx, answerID)
	if err != nil {
		return r, err
	}
	r.Answer = f
	l, ok, err := surveyLinkWhere(ctx, s.pool, `
SELECT `+surveyLinkColumns+`
FROM survey_answers a JOIN survey_links l ON l.id = a.link_id JOIN feedback f ON f.id = l.feedback_id
WHERE a.answer_id = $1`, answerID)
	if err != nil {
		return r, fmt.Errorf("survey answer %d: %w", answerID, err)
	}
	if ok {
		r.Link = l
	}
	return r, nil
}

// SurveySecret is the installation's secret (the one the privacy log uses), made on
// first use: the survey page derives its CSRF tokens from it with a keyed hash.
func (s *Store) SurveySecret(ctx context.Context) ([]byte, error) {
	var secret []byte
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		_, err := subjectHash(ctx, tx, "survey") // makes the secret when there is none
		if err != nil {
			return err
		}
		return tx.QueryRow(ctx, selectPrivacySecret).Scan(&secret)
	})
	if err != nil {
		return nil, fmt.Errorf("survey secret: %w", err)
	}
	return secret, nil
}

const sweepSurveyTokens = `
UPDATE survey_links SET token_hash = NULL
WHERE token_hash IS NOT NULL AND (expires_at <= $1 OR revoked_at IS NOT NULL)`

// SweepSurveyTokens deletes the token hashes of expired links. The rows stay (without
// their hash nothing can open them) so response rates of past periods do not change.
func (s *Store) SweepSurveyTokens(ctx context.Context) (int64, error) {
	tag, err := s.pool.Exec(ctx, sweepSurveyTokens, s.now())
	if err != nil {
		return 0, fmt.Errorf("sweep survey tokens: %w", err)
	}
	return tag.RowsAffected(), nil
}
