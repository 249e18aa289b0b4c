// Package render turns court documents into A4 PDF files and HTML fragments.
// It is a pure library: no database, no clock, no I/O. The same input always
// gives the same bytes.
//
// A Document has a heading (court, title, case number, date, seal) and a
// typed Body, one type per kind: AcceptanceNotice (受理案件通知书), FeeNotice
// (交纳诉讼费用通知书), EvidenceNotice (举证通知书), ResponseNotice (应诉通知书),
// Summons (传票), AddressConfirmation (送达地址确认书), ServiceCertificate
// (电子送达凭证), Judgment (民事判决书), Ruling (民事裁定书), Mediation (民事调解书),
// EnforcementNotice (执行通知书) and Complaint (民事起诉状). Each kind writes
// the standard wording of its form around the caller's data, and cites the
// rules in its comments. testdata/<kind>.json holds a complete example of
// each in the JSON form that Document.MarshalJSON writes, so issued documents
// can be stored and rendered again.
//
// PDF lays the document out and writes it. HTML renders the same blocks as an
// <article> for the site layout, styled by Stylesheet. Both validate first and
// return errs.Invalid listing every bad field; their messages are in Messages.
//
// # Layout
//
// The page follows the printing standard of court documents and GB/T
// 9704-2012 (see layout.go): a 156 × 225 mm type area, 22 lines of 28
// characters, the court name in 2号 and the title in 1号 小标宋 (here Song
// with a stroked bold), the case number right-aligned under the title,
// paragraphs with a two-character first-line indent, page numbers — N —
// outside on both sides, and the 落款 with the seal over the date. Tables
// (the fee table, the summons form, the service record) are ruled and their
// rows do not split across pages. The 落款 never stands alone on a page.
//
// # Line breaking
//
// Chinese lines are broken by this package (linebreak.go), not by a PDF
// library: nothing is lost at a break, no line starts with closing
// punctuation or ends with opening punctuation (clreq 行首行尾禁则), numbers,
// dates and Latin words stay whole, lines are justified. Kinsoku is resolved
// by pushing in (squeezing the half-em blanks of the line's punctuation)
// and, when that is not enough, by pushing out; punctuation never hangs into
// the margin.
//
// # Fonts
//
// Two fonts are embedded in the binary (fonts.go; provenance, licences and
// checksums in fonts/, re-created by scripts/fonts.sh): AR PL SungtiL GB
// (宋体, digits and Latin, no 〇) and Droid Sans Fallback (all CJK, 〇, no
// digits), combined per character. They are parsed once per process; each
// PDF embeds only the glyphs it uses. A character neither font has is an
// error (render.error.glyph_missing), never an empty box.
//
// # Seal and signature
//
// When Document.Seal is set and Options.Draft is not, the court's seal is
// drawn in red vector graphics over the 落款, multiplied so the text under it
// stays legible, and Result.Seal tells where (page and rectangle in PDF
// points) so that the digital signature's widget can be put on it. The PDF
// has a classic cross-reference table: digitorus/pdfsign appends a signature
// to it as an incremental update, and poppler's pdfsig validates the result
// (TestSignable).
//
// # Performance
//
// A two-page judgment renders in about 3.3 ms on one core (about 600 pages
// a second), 4.1 ms with the seal drawn; see bench_test.go.
package render
