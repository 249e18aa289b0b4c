package casefund

import (
	"time"

	"github.com/ecourt/ecourt/internal/court/calendar"
	"github.com/ecourt/ecourt/internal/enforcement/delay"
	"github.com/ecourt/ecourt/internal/platform/money"
)

// Events written to the outbox (payloads carry IDs, amounts and dates,
// never names or account numbers).
const (
	// EventReceived: money for a case arrived in the case account (a
	// statement line matched to the case, an API receipt, or a clerk's
	// match of an unmatched line).
	EventReceived = "ecourt.casefund.money.received"
	// EventAllocated: a receipt was allocated (deductions, applicants,
	// surplus).
	EventAllocated = "ecourt.casefund.money.allocated"
	// EventPaid: a payout to a party was recorded.
	EventPaid = "ecourt.casefund.money.paid"
)

// Instalment is one instalment of a claim paid in instalments (the
// delay package's type).
type Instalment = delay.Instalment

// Receipt sources.
const (
	SourceStatement = "statement" // a line of an imported bank statement
	SourceAPI       = "api"       // an API call (payment gateway, bank push, staff entry)
)

// Receipt is money received in the court's case account. CaseID is "" while
// the line is unmatched. In every view PayerAccount is masked.
type Receipt struct {
	ID           string        `json:"id"`
	CourtID      string        `json:"court_id"`
	CaseID       string        `json:"case_id"`
	BankRef      string        `json:"bank_ref"`
	Source       string        `json:"source"`
	StatementID  string        `json:"statement_id,omitempty"`
	Line         int           `json:"line,omitempty"`
	On           calendar.Date `json:"received_on"`
	Amount       money.Fen     `json:"amount"`
	Payer        string        `json:"payer"`
	PayerAccount string        `json:"payer_account"`
	Remark       string        `json:"remark"`
	Allocated    bool          `json:"allocated"`
	MatchedBy    string        `json:"matched_by,omitempty"`
	MatchedAt    *time.Time    `json:"matched_at,omitempty"`
	RecordedBy   string        `json:"recorded_by"`
	RecordedAt   time.Time     `json:"recorded_at"`
}

// ReceiptInput is money received for a case through the API. Reference is
// the bank's (or gateway's) unique transaction reference: a second call
// with the same reference and the same content returns the first receipt.
type ReceiptInput struct {
	On           calendar.Date `json:"received_on"`
	Amount       money.Fen     `json:"amount"`
	Payer        string        `json:"payer"`
	PayerAccount string        `json:"payer_account"`
	Reference    string        `json:"reference"`
	Remark       string        `json:"remark"`
}

// Statement is the outcome of one statement import: lines read, receipts
// added, lines already imported (same bank reference), lines skipped
// (debits and zero amounts), and receipts matched to a case; Unmatched are
// the new lines left for a clerk.
type Statement struct {
	ID         string    `json:"id"`
	CourtID    string    `json:"court_id"`
	SHA256     string    `json:"sha256"`
	FileName   string    `json:"file_name"`
	Lines      int       `json:"lines"`
	Added      int       `json:"added"`
	Duplicates int       `json:"duplicates"`
	Skipped    int       `json:"skipped"`
	Matched    int       `json:"matched"`
	Unmatched  []Receipt `json:"unmatched"`
	ImportedBy string    `json:"imported_by"`
	ImportedAt time.Time `json:"imported_at"`
}

// Claim is what one applicant (申请执行人) is owed under the document: the
// principal money debt (the base of delay interest, 2014 interpretation
// Art. 1), the general interest fixed by it (一般债务利息, as computed under
// the document up to the allocation), and the due date or instalments from
// which doubled interest runs (Art. 2).
type Claim struct {
	PartyID         string             `json:"party_id"`
	PartyName       string             `json:"party_name"`
	Principal       money.Fen          `json:"principal"`
	GeneralInterest money.Fen          `json:"general_interest"`
	Due             calendar.Date      `json:"due"`
	Instalments     []delay.Instalment `json:"instalments,omitempty"`
}

// ClaimsInput sets a case's claims and the court's deductions. Fee is the
// enforcement application fee to deduct (nil: ask Deps.Fees, else keep the
// fee already set); Costs are other costs of enforcement borne by the
// debtor that the court recovers from the money (诉讼费用交纳办法 Art. 38),
// with a note saying what they are.
type ClaimsInput struct {
	Fee       *money.Fen   `json:"fee,omitempty"`
	Costs     money.Fen    `json:"costs"`
	CostsNote string       `json:"costs_note"`
	Claims    []ClaimInput `json:"claims"`
}

// ClaimInput is one applicant's claim; give Due, or Instalments.
type ClaimInput struct {
	PartyID         string             `json:"party_id"`
	Principal       money.Fen          `json:"principal"`
	GeneralInterest money.Fen          `json:"general_interest"`
	Due             calendar.Date      `json:"due"`
	Instalments     []delay.Instalment `json:"instalments,omitempty"`
}

// Account is a case's account settings: number, deductions and claims.
type Account struct {
	CourtID    string    `json:"court_id"`
	CaseID     string    `json:"case_id"`
	CaseNumber string    `json:"case_number"`
	FeeDue     money.Fen `json:"fee_due"`
	CostsDue   money.Fen `json:"costs_due"`
	CostsNote  string    `json:"costs_note"`
	Claims     []Claim   `json:"claims"`
	OpenedAt   time.Time `json:"opened_at"`
}

// Allocation line kinds, in the order money goes to them.
const (
	KindFee       = "fee"              // 执行申请费 (fee rules Art. 14(一), 20, 38)
	KindCosts     = "costs"            // 执行中实际支出的费用 (Art. 38)
	KindPrincipal = "principal"        // the money debt fixed by the document
	KindInterest  = "general_interest" // 一般债务利息 fixed by the document
	KindDelay     = "delay_interest"   // 加倍部分债务利息 (2014 interpretation)
	KindSurplus   = "surplus"          // left over: returned to the debtor
)

// Kinds lists the line kinds in allocation order.
var Kinds = []string{KindFee, KindCosts, KindPrincipal, KindInterest, KindDelay, KindSurplus}

// AllocationLine is one part of an allocation: what was owed under the kind
// (to the party, or to the court for fee and costs) just before it, and the
// amount it got. Basis is the i18n key of the rule applied.
type AllocationLine struct {
	Seq       int       `json:"seq"`
	Kind      string    `json:"kind"`
	PartyID   string    `json:"party_id,omitempty"`
	PartyName string    `json:"party_name,omitempty"`
	Owed      money.Fen `json:"owed"`
	Amount    money.Fen `json:"amount"`
	Basis     string    `json:"basis"`
}

// DelayExplanation is the delay-interest computation behind a party's
// KindDelay line.
type DelayExplanation struct {
	PartyID string       `json:"party_id"`
	Result  delay.Result `json:"result"`
}

// Allocation splits one receipt (as of its arrival day, when the delay of
// the part it pays ends: 2014 interpretation Art. 3 para 2).
type Allocation struct {
	ID          string             `json:"id"`
	CaseID      string             `json:"case_id"`
	Seq         int                `json:"seq"`
	ReceiptID   string             `json:"receipt_id"`
	AsOf        calendar.Date      `json:"as_of"`
	Amount      money.Fen          `json:"amount"`
	Lines       []AllocationLine   `json:"lines"`
	Delay       []DelayExplanation `json:"delay"`
	RateVersion string             `json:"rate_version"`
	AllocatedBy string             `json:"allocated_by"`
	AllocatedAt time.Time          `json:"allocated_at"`
}

// Payout is money paid out of the case account to a party. PayeeAccount is
// always masked in views and events.
type Payout struct {
	ID           string        `json:"id"`
	CaseID       string        `json:"case_id"`
	PartyID      string        `json:"party_id"`
	PartyName    string        `json:"party_name"`
	Amount       money.Fen     `json:"amount"`
	PaidOn       calendar.Date `json:"paid_on"`
	PayeeName    string        `json:"payee_name"`
	PayeeAccount string        `json:"payee_account"`
	PayeeBank    string        `json:"payee_bank"`
	BankRef      string        `json:"bank_ref"`
	RecordedBy   string        `json:"recorded_by"`
	RecordedAt   time.Time     `json:"recorded_at"`
}

// PayoutInput records a payout made by the bank. Reference is the bank's
// transfer reference (unique per court).
type PayoutInput struct {
	PartyID      string        `json:"party_id"`
	Amount       money.Fen     `json:"amount"`
	PaidOn       calendar.Date `json:"paid_on"`
	PayeeName    string        `json:"payee_name"`
	PayeeAccount string        `json:"payee_account"`
	PayeeBank    string        `json:"payee_bank"`
	Reference    string        `json:"reference"`
}

// How a shared-court consent was given.
const (
	ConsentPlatform = "platform" // by the person on the platform
	ConsentWritten  = "written"  // signed in front of court or shared-court staff, who record it
)

// Consent is a party's consent to be shown the case account at a shared
// court (共享法庭) terminal: Station is the court ID of the shared court
// allowed ("" any shared court), valid from GrantedOn to ExpiresOn (both
// included) unless revoked. Active is computed for today.
type Consent struct {
	ID         string        `json:"id"`
	CaseID     string        `json:"case_id"`
	PartyID    string        `json:"party_id"`
	Station    string        `json:"station"`
	How        string        `json:"how"`
	GrantedOn  calendar.Date `json:"granted_on"`
	ExpiresOn  calendar.Date `json:"expires_on"`
	RecordedBy string        `json:"recorded_by"`
	RecordedAt time.Time     `json:"recorded_at"`
	RevokedAt  *time.Time    `json:"revoked_at,omitempty"`
	Active     bool          `json:"active"`
}

// ConsentInput records a consent. At a shared court the person is
// identified by IDNumber (checked against the party's); elsewhere PartyID
// names the party.
type ConsentInput struct {
	PartyID   string        `json:"party_id"`
	Station   string        `json:"station"`
	ExpiresOn calendar.Date `json:"expires_on"`
	How       string        `json:"how"`
}

// PartyBalance is, per party, what was allocated to them and paid out.
type PartyBalance struct {
	PartyID   string    `json:"party_id"`
	PartyName string    `json:"party_name"`
	Role      string    `json:"role"`
	Allocated money.Fen `json:"allocated"`
	Paid      money.Fen `json:"paid"`
	Payable   money.Fen `json:"payable"`
}

// Ledger is a case's account as the reader may see it.
type Ledger struct {
	CaseID      string         `json:"case_id"`
	CourtID     string         `json:"court_id"`
	CaseNumber  string         `json:"case_number"`
	Opened      bool           `json:"opened"`
	Received    money.Fen      `json:"received"`
	Allocated   money.Fen      `json:"allocated"`
	Unallocated money.Fen      `json:"unallocated"`
	Deducted    money.Fen      `json:"deducted"`
	PaidOut     money.Fen      `json:"paid_out"`
	Balance     money.Fen      `json:"balance"`
	Account     *Account       `json:"account,omitempty"`
	Parties     []PartyBalance `json:"parties"`
	Receipts    []Receipt      `json:"receipts"`
	Allocations []Allocation   `json:"allocations"`
	Payouts     []Payout       `json:"payouts"`
	Consents    []Consent      `json:"consents"`
	// Staff is true for court staff of the case; Money when the reader may
	// record money (enforcement officers and court administrators of the
	// court); Own lists the parties the reader is or represents.
	Staff bool     `json:"staff"`
	Money bool     `json:"money"`
	Own   []string `json:"own"`
}
