-- Each entry of a hearing's control record gets its place in the record
-- (seq: 1, 2, 3… per hearing), which is also the ID of its room event on
-- the SSE stream: a page that reconnects names the last one it saw and is
-- sent the ones it missed. The hearing row keeps the last number given
-- (action_seq); taking the next one updates that row, which orders the
-- writers of one hearing, so the numbers commit in order and without gaps.
-- state and status are the participant's state and the hearing's status
-- after the action, so that the room event can be sent again from the row.
ALTER TABLE hearing_hearing ADD COLUMN action_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE hearing_action ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE hearing_action ADD COLUMN state TEXT NOT NULL DEFAULT '';
ALTER TABLE hearing_action ADD COLUMN status TEXT NOT NULL DEFAULT '';
UPDATE hearing_action SET seq = (SELECT COUNT(*) FROM hearing_action b WHERE b.hearing_id = hearing_action.hearing_id
    AND (b.at < hearing_action.at OR (b.at = hearing_action.at AND b.id <= hearing_action.id)));
UPDATE hearing_hearing SET action_seq = (SELECT COUNT(*) FROM hearing_action a WHERE a.hearing_id = hearing_hearing.id);
CREATE UNIQUE INDEX hearing_action_seq ON hearing_action (court_id, hearing_id, seq);
