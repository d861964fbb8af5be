package digest

import (
	"context"
	"testing"
	"time"

	"github.com/vosbot/vosbot/internal/pgtest"
)

// seedLarge fills a store with n feedback items (with reasons, competitors and themes
// found in text) and m escalations, spread over the year before end, in bulk SQL.
const seedLargeFeedback = `
INSERT INTO feedback (created_at, updated_at, reporter_id, outcome, account, deal_value, currency, region,
    competitors, reasons, what_didnt, verbatim, hide_name, source, idempotency_key)
SELECT t, t, 'U' || (i % 400), (ARRAY['won','lost','lost','no_decision'])[1 + i % 4], 'Account ' || (i % 5000),
    (i % 97) * 1000, 'USD', (ARRAY['NA','EMEA','APAC'])[1 + i % 3],
    ARRAY[(ARRAY['Gong','Clari','Chorus','Outreach','Salesloft','People.ai','Avoma','Revenue.io'])[1 + i % 8]],
    ARRAY[(ARRAY['price','integration','support'])[1 + i % 3]],
    'what did not work ' || i, CASE WHEN i % 5 = 0 THEN 'prospect quote ' || i ELSE '' END,
    i % 10 = 0, 'import', 'bench-f-' || i
FROM generate_series(1, $1::int) AS i, LATERAL (SELECT $2::timestamptz - (i % 365) * interval '1 day' - (i % 24) * interval '1 hour') AS x(t)`

const seedLargeThemes = `
INSERT INTO feedback_themes (feedback_id, theme_id, method, confidence, rank, tagged_at)
SELECT f.id, th.id, 'offline', 0.7, 1, f.created_at
FROM feedback f JOIN themes th ON th.key = (ARRAY['price','integration','support'])[1 + (f.id % 3)::int]`

const seedLargeEscalations = `
INSERT INTO escalations (created_at, updated_at, reporter_id, team, account, severity, revenue_at_risk, currency, summary,
    status, owner_id, ack_due_at, resolve_due_at, acknowledged_at, resolved_at, idempotency_key)
SELECT t, t, 'U' || (i % 400), (ARRAY['product','billing'])[1 + i % 2], 'Account ' || i,
    (ARRAY['low','medium','high','critical'])[1 + i % 4], (i % 50) * 1000, 'USD', 'summary ' || i,
    s, CASE WHEN s = 'open' THEN NULL ELSE 'U0PM1' END, t + interval '24 hours', t + interval '168 hours',
    CASE WHEN s = 'open' THEN NULL ELSE t + (i % 48) * interval '1 hour' END,
    CASE WHEN s IN ('resolved', 'wont_fix') THEN t + (i % 200) * interval '1 hour' END, 'bench-e-' || i
FROM generate_series(1, $1::int) AS i,
    LATERAL (SELECT $2::timestamptz - (i % 365) * interval '1 day',
        (ARRAY['open','acknowledged','resolved','resolved','wont_fix'])[1 + i % 5]) AS x(t, s)`

// seedLargeLostTo names the winner of two lost deals in three, as reps do since they
// are asked.
const seedLargeLostTo = `UPDATE feedback SET lost_to = competitors[1] WHERE outcome = 'lost' AND id % 3 <> 0`

// BenchmarkBuildAndRender builds and renders the digest (Block Kit and plain text) over
// 100,000 feedback items and 10,000 escalations (BENCHMARKS.md).
func BenchmarkBuildAndRender(b *testing.B) {
	ctx := context.Background()
	cfg := testOrg()
	pool := pgtest.New(b)
	if _, err := pool.Exec(ctx, `INSERT INTO themes (key, name, status, origin, created_at, updated_at)
        VALUES ('price', 'Price', 'catalogue', 'catalogue', now(), now()), ('integration', 'Integrations', 'catalogue', 'catalogue', now(), now()),
               ('support', 'Support', 'catalogue', 'catalogue', now(), now())`); err != nil {
		b.Fatal(err)
	}
	def := testDefinitions()[0]
	p, err := def.PeriodAt(time.Date(2026, 11, 20, 22, 0, 0, 0, time.UTC))
	if err != nil {
		b.Fatal(err)
	}
	for _, q := range []struct {
		sql  string
		args []any
	}{{seedLargeFeedback, []any{100_000, p.End}}, {seedLargeThemes, nil}, {seedLargeLostTo, nil}, {seedLargeEscalations, []any{10_000, p.End}}} {
		if _, err := pool.Exec(ctx, q.sql, q.args...); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := pool.Exec(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	builder := &Builder{Pool: pool, Org: cfg}
	b.Run("build_and_render", func(b *testing.B) {
		benchBuildAndRender(b, ctx, builder, def, p)
	})
	// The charts of the same report, drawn alone.
	r, err := builder.Build(ctx, def, p)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("charts", func(b *testing.B) {
		for b.Loop() {
			cs, err := Charts(r)
			if err != nil || len(cs) != 3 {
				b.Fatalf("%d charts, %v", len(cs), err)
			}
		}
	})
}

func benchBuildAndRender(b *testing.B, ctx context.Context, builder *Builder, def Definition, p Period) {
	for b.Loop() {
		r, err := builder.Build(ctx, def, p)
		if err != nil {
			b.Fatal(err)
		}
		if len(r.LossThemes) == 0 || len(r.Competitors) == 0 {
			b.Fatal("empty report")
		}
		if _, blocks := Blocks(r); len(blocks) == 0 {
			b.Fatal("no blocks")
		}
		_ = PlainText(r, nil)
	}
}
