-- The case's cause (案由), copied when the hearing is scheduled: a public
-- hearing's notice names the parties, the cause, the time and the place
-- (CPL Art. 139 para 2), and the public page reads no case.
ALTER TABLE hearing_hearing ADD COLUMN cause TEXT NOT NULL DEFAULT '';
