-- Courts: the hierarchy and the court codes (法院代字) that number cases.
-- Rows come from the versioned data in data/courts_cn.json (Service.Seed);
-- they are never deleted. valid_from is a civil date, 'YYYY-MM-DD'.
CREATE TABLE court_court (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    level TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent_id TEXT REFERENCES court_court (id),
    appeal_court_id TEXT REFERENCES court_court (id),
    province TEXT NOT NULL,
    region_code TEXT NOT NULL,
    address TEXT NOT NULL,
    phone TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    valid_from TEXT NOT NULL,
    note TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX court_court_parent ON court_court (parent_id);

-- Which version of each seeded data set the database holds.
CREATE TABLE court_dataset (
    name TEXT PRIMARY KEY,
    version TEXT NOT NULL,
    effective TEXT NOT NULL,
    applied_at TIMESTAMP NOT NULL
);
