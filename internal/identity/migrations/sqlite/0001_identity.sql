CREATE TABLE identity_account (
    id TEXT PRIMARY KEY,
    login TEXT NOT NULL UNIQUE,
    mobile TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    display_name TEXT NOT NULL,
    lang TEXT NOT NULL,
    elderly INTEGER NOT NULL DEFAULT 0,
    kind TEXT NOT NULL,
    verification TEXT NOT NULL,
    real_name TEXT NOT NULL,
    id_type TEXT NOT NULL,
    id_number TEXT NOT NULL,
    org_name TEXT NOT NULL,
    legal_rep TEXT NOT NULL,
    verified_at TIMESTAMP,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX identity_account_id_number ON identity_account (id_number);

CREATE TABLE identity_code (
    id TEXT PRIMARY KEY,
    mobile TEXT NOT NULL,
    purpose TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX identity_code_mobile ON identity_code (mobile, purpose, created_at);

CREATE TABLE identity_session (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES identity_account (id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    ip TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX identity_session_account ON identity_session (account_id, created_at);

CREATE TABLE identity_grant (
    account_id TEXT NOT NULL REFERENCES identity_account (id),
    court_id TEXT NOT NULL,
    role TEXT NOT NULL,
    licence TEXT NOT NULL,
    granted_by TEXT NOT NULL,
    granted_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, court_id, role)
);
CREATE INDEX identity_grant_court ON identity_grant (court_id, role);
