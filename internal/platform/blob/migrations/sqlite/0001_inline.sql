-- blob_inline holds the small blobs of an Inline store (package blob): the
-- content of files up to the store's limit, named by the SHA-256 of their
-- bytes like every other blob. Larger blobs stay in the file-system or S3
-- store beside it. Rows are only ever inserted.
CREATE TABLE blob_inline (
    sha256     TEXT PRIMARY KEY,
    size       INTEGER NOT NULL,
    data       BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL
);
