package feedback

// The privacy commands cover the teams' measures (package feedback/measures) too: who
// reported a value and their notes are a person's; the values are the team's and stay
// when a person is forgotten.
const (
	countForgetMeasures = `
SELECT (SELECT count(*) FROM measure_values WHERE reported_by = $1)::int
     + (SELECT count(*) FROM measure_revisions WHERE reported_by = $1 OR replaced_by = $1)::int`

	countPurgeMeasures = `
SELECT (SELECT count(*) FROM measure_values WHERE reported_at < $1)::int
     + (SELECT count(*) FROM measure_revisions WHERE replaced_at < $1)::int`
)

// forgetMeasures anonymise a person's reports ($1 → $2) and notes ($3); each statement
// takes the first n of those.
var forgetMeasures = []struct {
	sql string
	n   int
}{
	{`UPDATE measure_values SET reported_by = $2, note = CASE WHEN note <> '' THEN $3 ELSE '' END WHERE reported_by = $1`, 3},
	{`UPDATE measure_revisions SET reported_by = $2, note = CASE WHEN note <> '' THEN $3 ELSE '' END WHERE reported_by = $1`, 3},
	{`UPDATE measure_revisions SET replaced_by = $2 WHERE replaced_by = $1`, 2},
	{`UPDATE measure_asks SET answered_by = $2 WHERE answered_by = $1`, 2},
	{`DELETE FROM measure_ask_messages WHERE user_id = $1`, 1},
	// The asks and reminders not yet sent to them will not be.
	{`DELETE FROM river_job WHERE state NOT IN ('completed', 'cancelled', 'discarded') AND kind = 'measures_ask_dm' AND args->>'user' = $1`, 1},
}

// purgeMeasures delete measure history reported before $1 (and the corrections made
// before it), with the asks of those weeks.
var purgeMeasures = []string{
	`DELETE FROM measure_revisions WHERE replaced_at < $1`,
	`DELETE FROM measure_values WHERE reported_at < $1`,
	`DELETE FROM measure_asks WHERE asked_at < $1`,
}
