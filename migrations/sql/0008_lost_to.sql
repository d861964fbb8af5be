-- Who won a lost deal (issue 18, "who beat us"): one of the deal's competitors as
-- spelled in its competitors list, 'none' when no vendor won (the buyer chose no one),
-- or '' when nobody said (every item filed before this column existed).
ALTER TABLE feedback
    ADD COLUMN lost_to text NOT NULL DEFAULT '',
    ADD CONSTRAINT feedback_lost_to CHECK (
        lost_to = '' OR (outcome = 'lost' AND (lost_to = 'none' OR lost_to = ANY (competitors))));
