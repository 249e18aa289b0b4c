// Package fees is the court-fee context: the schedule of 诉讼费用交纳办法
// (国务院令第481号) as versioned data, quotes, fee notices (bills), online
// payment through payment gateways, receipts, refunds, the overdue flag for
// the judge and judicial aid (司法救助).
//
// # Schedule
//
// data/schedule.json holds every fee of Art. 13 and 14 with its effective
// date and source article: the property brackets, the per-case fees, the
// application fees with their fractions (payment order 1/3, bankruptcy 1/2)
// and caps (preservation 5,000, bankruptcy 300,000). Figures that the
// provinces fix inside national ranges (Art. 13 last paragraph) are a
// per-province table; the demo entry for Zhejiang ("33") and every province
// without an entry use the range minimum (the data's notes say so). Each
// fee is rounded half-up to the fen (money.MulRate). Halving for simplified
// procedure (Art. 16), mediation or withdrawal (Art. 15) and counterclaims
// (Art. 18) applies to case fees only, and once (民诉法解释 Art. 206).
//
// # Bills, payments, aid
//
// A bill is issued when the filing context accepts a case (HandleAccepted
// on ecourt.filing.application.accepted; see AcceptedPayload for the
// payload) or by staff (IssueBill); it is due 7 days from the day after
// the notice on the court calendar (Art. 22, CPL Art. 85). The payer or the
// payer's representative pays online (StartPayment): the gateway's signed
// callback (HandleCallback) is verified (signature, timestamp window, nonce
// never seen, amount equal to the order) and applied once. Bills unpaid
// after the due date are flagged overdue for the judge (MarkOverdue);
// whether to rule the case withdrawn is the judge's decision (民诉法解释
// Art. 213). Payers apply to defer, reduce or waive (ApplyAid); a judge or
// filing officer decides (DecideAid).
//
// Bill state machine (transitions): unpaid → paid | overdue | deferred |
// reduced | waived; overdue → paid | deferred | reduced | waived; deferred
// and reduced → paid | overdue | (another aid outcome); paid →
// partly_refunded | refunded; partly_refunded → refunded.
//
// # Events and audit
//
//	IssueBill / HandleAccepted  ecourt.fees.bill.issued          fees.bill.issue
//	callback "paid"             ecourt.fees.payment.succeeded    fees.payment.succeed
//	callback "failed"           ecourt.fees.payment.failed       fees.payment.fail
//	refund confirmed            ecourt.fees.bill.refunded        fees.refund.succeed
//	MarkOverdue                 ecourt.fees.bill.overdue         fees.bill.overdue (+ timeline "fees.bill_overdue")
//	ApplyAid                    ecourt.fees.aid.applied          fees.aid.apply
//	DecideAid                   ecourt.fees.aid.decided          fees.aid.decide
//
// Reads are audited too (fees.bill.read, fees.bill.list), and access to a
// bill always passes the casefile's Authorize first.
package fees
