-- One person, one verified account: an identity document verified on one
-- account cannot be verified on another (the service checks first; this
-- index closes the race between two verifications at the same moment).
CREATE UNIQUE INDEX identity_account_verified_id ON identity_account (id_type, id_number) WHERE verification <> 'none';
