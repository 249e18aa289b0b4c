-- The exhibit number shown in court (原告证据1 …) when the exhibit was
-- presented, so that a hearing participant who is no reader of the case
-- file (a witness brought in, Online Litigation Rules Art. 26) is shown the
-- same number without the case's parties being read for them. Empty for
-- presentations made before this column existed.
ALTER TABLE exhibit_presentation ADD COLUMN label TEXT NOT NULL DEFAULT '';
