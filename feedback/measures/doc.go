// Package measures owns the revenue measures each team reports weekly: the Measure type,
// one value per measure and ISO week (missing is never zero), corrections kept in an
// audit trail, met/missed/missing with streaks, the asks that collect the values, and
// their PostgreSQL store.
//
// It lives inside feedback/ because it is the same domain (accountable teams, who may act
// for them, the dropped balls that repeated misses become) and its SQL stays beside the
// rest of the domain's; feedback itself never imports it.
package measures
