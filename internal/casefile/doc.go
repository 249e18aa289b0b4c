// Package casefile is the case every other context refers to: its number
// (案号), parties and representatives, assignment, status, timeline, consent
// to online proceedings, and the one access check for reading or changing
// it.
//
// # Case numbers
//
// Numbers follow 法〔2015〕137号 as amended by 法〔2018〕335号:
// （收案年度）法院代字 专门审判代字 类型代字 案件编号 号, e.g. （2026）浙0225民初123号
// or （2019）最高法知民终1号, with sub-numbers 之一…之N (FormatSub). Each
// (court, court code, 专门审判代字, 类型代字, year) has its own sequence,
// restarting at 1 each calendar year in China time. The number is allocated
// inside the creating transaction by an upsert on casefile_sequence, whose
// row lock makes concurrent creations queue and a rolled-back creation give
// its number back, so the sequence is unique and gap-free on SQLite and on
// PostgreSQL. 刑核 cases get a random 8-digit number (Art. 10). Type codes
// are versioned data (data/case_types.json): creating a case with a code
// not valid on the filing date is invalid.
//
// # Access
//
// Service.Authorize is the one access check (its doc comment holds the
// rules, and staffNeeds the table of what each court role may do). Every
// exported function that returns case data (Get, Timeline, Consents,
// HasConsent, ListMine, Search, and Authorize itself) passes it and appends
// an audit entry "casefile.case.read" in the same transaction as the read;
// lists write one entry per listed case, so each case's audit trail
// (audit.ListForCase) is complete and sits in its own court's chain.
// Outsiders get not_found, never forbidden, so they cannot tell which cases
// exist; people with some standing in the case get forbidden. Refusals on an
// existing case are audited as "casefile.case.denied". Identity and phone
// numbers of parties are masked except for staff, the party and the party's
// representative.
//
// Other contexts acting without a signed-in person (the filing context
// creating the case after acceptance, timers, event consumers) use AsSystem
// or CreateAsSystem; request handlers never do.
//
// # Changes and events
//
// Every change is one transaction that writes the new state, a timeline
// entry, an outbox event and an audit entry:
//
//	Create             case.created           ecourt.casefile.case.created          casefile.case.create
//	Transition         case.status_changed    ecourt.casefile.case.status_changed   casefile.case.transition
//	Assign             case.assigned          ecourt.casefile.case.assigned         casefile.case.assign
//	SetConsent         consent.given/withdrawn ecourt.casefile.consent.changed      casefile.consent.set
//	AddParty           party.added            ecourt.casefile.party.added           casefile.party.add
//	AddRepresentative  representative.added   ecourt.casefile.representative.added  casefile.representative.add
//	LinkAccount        party.account_linked   ecourt.casefile.party.linked          casefile.party.link
//	AddEvent           (the caller's type)    ecourt.casefile.timeline.appended     casefile.event.add
//
// Event payloads carry no identity or phone numbers.
package casefile
