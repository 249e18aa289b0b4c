-- Where a case came from ("filing:<application id>"), so that the context
-- that creates it can retry after a crash and get the same case back.
ALTER TABLE casefile_case ADD COLUMN origin TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX casefile_case_origin ON casefile_case (court_id, origin) WHERE origin <> '';
