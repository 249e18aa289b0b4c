// Package document is the court-document context: issuing sealed
// documents, a case's documents for those who may read the case, and the
// public verification of documents by code or by upload. Rendering is
// document/render's (a pure PDF/HTML renderer); this package receives the
// finished PDF.
//
// # Issuing
//
// Issue seals the PDF with the issuing court's seal (package seal: PAdES,
// ETSI.CAdES.detached), stores the sealed file in the blob store (content
// addressed: the blob key is its SHA-256) and records it in one
// transaction with its verification code, the outbox event
// ecourt.document.document.issued {document_id, court_id, case_id, kind,
// sha256} (the ledger appends the hash to its Merkle log) and the audit
// entry. A case's document then goes on the case timeline
// ("document.issued", through casefile.AddEvent). IdempotencyKey makes
// retries return the first document; concurrent retries write one row
// and one timeline entry.
//
// # Verification codes
//
// The code must be printed on the paper, but the PDF is rendered before
// the record exists. So the caller reserves the code first, prints it
// (with VerifyPath(code) as the link or QR code), and hands the same code
// to Issue:
//
//	code, _ := docs.ReserveCode(ctx, courtID)            // "7K3Q-9XTB-M2HD-4RWZ"
//	// render the PDF printing code and document.VerifyPath(code); the renderer
//	// reports where it drew the seal image (page and rectangle in points)
//	d, err := docs.Issue(ctx, document.IssueRequest{…, PDF: pdf, SealPlacement: place, Code: code})
//
// Issue refuses a code not reserved for the court or already used, so the
// code on the paper and the record always match. Without a code Issue makes
// one (the document is then verified by upload). Codes are 16 Crockford
// base32 symbols (75 random bits and a Luhn mod 32 check symbol, see
// ParseCode); unused reservations verify nothing.
//
// # Access
//
// ListCase, Find and Open (the download) pass casefile's Authorize with
// NeedRead, the one access check, and are audited (document.document.list,
// .read, .download). A document outside any case is for the issuing
// court's staff.
//
// # Public verification
//
// VerifyCode and VerifyUpload need no login and are rate-limited per
// client IP (Routes, Pages). They show the issuing court, the document
// type, the case number with its sequence masked (MaskCaseNumber), the
// issue time, the SHA-256, whether the seal verifies (seal.Verify: intact
// over the whole file, chained to the platform root), whether an upload is
// byte for byte the issued file, and the ledger inclusion (Ledger;
// "pending" until appended). Never a title, a party, an ID or phone
// number. Verdicts: valid (issued here, seal verifies), invalid (this
// platform's seal, but changed after sealing or not on record), not_issued
// (no seal of this platform).
//
// # Events and audit
//
//	Issue             ecourt.document.document.issued   document.document.issue (+ timeline "document.issued")
//	ListCase          —                                 document.document.list
//	Find / Open       —                                 document.document.read / document.document.download
package document
