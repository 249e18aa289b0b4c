// Package casefund is the court's case account (案款管理): money received
// for enforcement cases, its allocation to the applicants after the
// court's deductions, the payouts, and a person's consent to be shown the
// account at a shared court (共享法庭).
//
// # Money in
//
// Money arrives in the court's case account and becomes a Receipt, either
// from an imported bank statement (ImportStatement; the CSV format is
// documented at ParseStatement in statement.go) or from an API call
// (Receive: a payment gateway's or bank's notice, or staff entering a
// deposit). Both are idempotent by the bank's reference. A statement line
// whose remark carries the number of a case with an open account at the
// court (FindCaseNumber: full-width or ASCII brackets) is matched to it;
// the others stay unmatched for a clerk (Unmatched, Match). Each receipt
// matched to a case emits EventReceived. Accounts are opened by Open or
// SetClaims.
//
// # Allocation
//
// SetClaims records what the money pays: each applicant's claim
// (principal, the general interest fixed by the document, and the due
// date or instalments from which doubled delay interest runs) and the
// court's deductions (the enforcement application fee, payable after
// enforcement and borne by the debtor: 诉讼费用交纳办法 Art. 20 and 38,
// taken from Deps.Fees unless given; other costs of enforcement, Art. 38).
// Allocate then allocates every pending receipt, oldest first, each as of
// its arrival day (2014 interpretation Art. 3 para 2): deductions first
// (民诉法解释 Art. 508, 514), then the money debt fixed by the document
// (principal, then general interest), then the doubled delay interest
// computed by delay.Compute (2014 interpretation Art. 4: principal before
// doubled interest), several applicants pro rata (by analogy with 民诉法解释
// Art. 508), any surplus back to the debtor. Each allocation is stored
// with its lines — what was owed, what was given, the rule applied — and
// the delay computation behind its delay-interest lines, and emits
// EventAllocated. RecordPayout records money paid out (at most what
// allocations gave the party and is not yet paid) and emits EventPaid with
// the payee's account masked.
//
// # Reading, and the shared court
//
// Ledger shows the account to anyone the casefile lets read the case
// (Cases.Authorize, audited there): court staff see everything, a party or
// representative sees every arrival and allocation, their own payouts
// whole and other parties' payouts with the payee's name masked. Account
// numbers are always masked (****5678) in views and events.
//
// A person without internet may see the same at a shared-court terminal
// with their consent (RecordConsent on the platform, or written consent
// recorded by court staff or by the shared-court director with
// RecordSharedConsent), for one shared court or any, until an expiry date
// of at most Options.MaxConsentDays, revocable (RevokeConsent).
// SharedLedger, for users holding the shared_court_director role,
// identifies the person by case number and the identity-document number
// checked in front of them, checks an active consent (errs.Forbidden
// "casefund.error.no_consent" otherwise; a wrong number is errs.NotFound so
// a terminal cannot probe cases), and returns that party's view; the case
// is read through the casefile check as the platform (the consent is the
// grant) and the read is audited as "casefund.ledger.shared_read".
//
// # Who handles money
//
// Enforcement officers and court administrators of the case's court (and
// platform administrators) open accounts, set claims, record receipts,
// import statements, match, allocate and record payouts; others get
// errs.Forbidden ("casefund.error.money_only").
//
// # Events and audit
//
//	Receive, ImportStatement (matched), Match   ecourt.casefund.money.received   casefund.receipt.record / casefund.receipt.match
//	Allocate                                    ecourt.casefund.money.allocated  casefund.allocation.create
//	RecordPayout                                ecourt.casefund.money.paid       casefund.payout.record
//	ImportStatement                             —                                casefund.statement.import
//	Open, SetClaims                             —                                casefund.account.open, casefund.claims.set
//	RecordConsent, RecordSharedConsent          —                                casefund.consent.record
//	RevokeConsent                               —                                casefund.consent.revoke
//	SharedLedger                                —                                casefund.ledger.shared_read
//
// Payloads carry IDs, amounts, dates and masked account numbers, never
// names.
//
// # Wiring
//
// The app builds New(db, Deps{Cases, Fees}, Options{}), migrates
// Migrations (after audit and bus), loads Messages (and
// delay.Messages), adds Templates as the page set "casefund", calls Routes
// and Pages and merges OpenAPI. The enforcement context turns
// EventReceived and EventPaid into progress nodes.
package casefund
