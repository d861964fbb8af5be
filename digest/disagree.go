package digest

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// maxDisagreements is how many deals the coaching list names per period.
const maxDisagreements = 3

// Disagreement is a deal where the rep's reasons and the words they wrote point at
// different themes: the most useful coaching signal, since the words are closer to what
// the prospect said.
type Disagreement struct {
	Account string
	// ReporterID is empty when the rep asked to stay out of digests.
	ReporterID string
	// RepSays are the names of the reasons the rep picked; WordsSay the theme their text
	// is mainly about.
	RepSays  []string
	WordsSay string
}

// selectDisagreements finds the period's won and lost items whose text's dominant theme
// (by the best method that read it) is none of the reasons the rep picked, the surest
// first.
const selectDisagreements = `WITH ` + periodsCTE + `,
dominant AS (
    SELECT f.*, th.id AS theme_id, th.name AS theme_name, ft.confidence
    FROM filed f
    CROSS JOIN LATERAL (
        SELECT x.theme_id, x.confidence FROM feedback_themes x
        WHERE x.feedback_id = f.id AND x.rank = 1 ORDER BY x.method = 'llm' DESC LIMIT 1) AS ft
    JOIN themes t ON t.id = ft.theme_id JOIN themes th ON th.id = COALESCE(t.merged_into, t.id)
    WHERE f.i = 1 AND f.outcome IN ('won', 'lost') AND cardinality(f.reasons) > 0)
SELECT d.account, d.reporter_id, d.hide_name, d.theme_name,
    ARRAY(SELECT COALESCE(th.name, r.key) FROM unnest(d.reasons) WITH ORDINALITY AS r(key, n)
          LEFT JOIN themes t ON t.key = r.key LEFT JOIN themes th ON th.id = COALESCE(t.merged_into, t.id)
          ORDER BY r.n) AS rep_says
FROM dominant d
WHERE NOT EXISTS (
    SELECT 1 FROM unnest(d.reasons) AS r(key) JOIN themes t ON t.key = r.key
    WHERE COALESCE(t.merged_into, t.id) = d.theme_id)
ORDER BY d.confidence DESC, d.created_at DESC, d.id DESC
LIMIT $4`

func (b *Builder) disagreements(ctx context.Context, q Querier, r *Report, starts, ends []time.Time) error {
	rows, err := q.Query(ctx, selectDisagreements, starts[:1], ends[:1], r.Region, maxDisagreements)
	if err != nil {
		return err
	}
	r.Disagreements, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Disagreement, error) {
		var d Disagreement
		var hide bool
		if err := row.Scan(&d.Account, &d.ReporterID, &hide, &d.WordsSay, &d.RepSays); err != nil {
			return d, err
		}
		if hide {
			d.ReporterID = ""
		}
		return d, nil
	})
	return err
}

func disagreementSection(r *Report, s style) *section {
	if len(r.Disagreements) == 0 {
		return nil
	}
	sec := section{Title: "Where the rep and their words disagree"}
	for _, d := range r.Disagreements {
		who := "a rep who asked not to be named"
		if d.ReporterID != "" {
			who = s.mention(d.ReporterID)
		}
		says := make([]string, len(d.RepSays))
		for i, n := range d.RepSays {
			says[i] = s.text(n)
		}
		sec.Lines = append(sec.Lines, fmt.Sprintf("• %s (%s): rep says %s; the words say %s", s.text(clipRunes(d.Account, 60)), who,
			s.bold(strings.Join(says, ", ")), s.bold(s.text(d.WordsSay))))
	}
	return &sec
}
