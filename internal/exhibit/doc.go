// Package exhibit is the evidence-exchange and cross-examination context
// (证据交换, 质证): the exhibits each party submits, the exchange periods the
// judge opens, the opposing parties' opinions on the three properties of
// evidence, the judge's marks of the points in dispute, the exhibit shown
// in a hearing, and the asynchronous trial of Online Litigation Rules
// Art. 20.
//
// # Exhibits
//
// A party (or its lawyer; or the judge, assistant or clerk of the case
// digitising paper evidence, Art. 11 para 3) submits an exhibit with its
// name, purpose of proof (证明目的) and source: uploaded (Submit; the kind is
// decided by content with filing.Sniff — PDF, JPEG, PNG, MP3, WAV, MP4 — a
// PDF checked with filing.CheckPDF) or taken over from the evidence filed
// with the complaint (SubmitFiled, through Deps.Filings). Each party's
// exhibits are numbered from 1 (原告证据1, 被告证据2 …; with two parties of
// the same role the name is added). The file's SHA-256 goes out with
// EventSubmitted for the evidence ledger.
//
// # Exchange and cross-examination
//
// The judge opens an asynchronous exchange (OpenExchange, Art. 14 para 3)
// from a start to an end date on the court's calendar (both included) and
// may extend it (ExtendExchange). From the start each party sees the other
// side's exhibits; until the end each party opposing the submitter (CPL
// Art. 71, 民诉法解释 Art. 103: "互相质证"; co-plaintiffs do not examine each
// other's exhibits) records its stance on authenticity, legality and
// relevance (民诉法解释 Art. 104) — admitted, disputed or no opinion, with
// reasons for a disputed point (RecordOpinion). A new opinion is a new
// version; History returns them all. The judge marks each point disputed
// or undisputed with a note (MarkDispute, 民诉法解释 Art. 226). List shows
// per exhibit the state of every opposing party's opinion and the marks.
//
// Synchronous exchange happens in the hearing (Art. 14 para 2): Present
// shows an exhibit (the court's people any, a party its own), makes it
// visible to every party (CPL Art. 71: evidence is shown in court) and
// sends EventPresented; Presented returns the current one and Watch (SSE:
// GET /api/v1/hearings/{id}/exhibit/events) streams the next ones.
//
// # The hearing room
//
// Everyone admitted to a hearing's room sees the exhibit presented there,
// a witness brought in too, who is no reader of the case file (Art. 26
// keeps the witness from following the proceedings, not from identifying
// an exhibit shown to them). RoomPresented, OpenRoomExhibit and WatchRoom
// (GET /api/v1/hearings/{id}/room/exhibit, …/room/exhibits/{eid}/file,
// …/room/exhibit/events) ask Deps.Hearings.FindAttendee whether the
// caller is admitted to the room now — not waiting, not a witness kept
// out, the hearing not ended — and serve only the exhibit presented last,
// with its number, name and file: no purpose of proof, opinions, marks or
// other exhibits. Each view is checked and audited ("exhibit.room.view",
// "exhibit.room.file"); the stream re-checks on every presentation and
// ends with an event "closed" once the caller is no longer in the room.
//
// # Asynchronous trial (Art. 20)
//
// The judge records each of the three conditions of Art. 20 para 2 as met
// or not, with what it rests on (RecordCondition; who and when are kept):
// (一) difficulty of all taking part online at once, (二) one party's
// written application and every party's consent, (三) no dispute on the
// main facts and evidence after the online exchange (refused while some
// exhibit is marked disputed). Only when all three are met and the case is
// under the small-claims or simplified procedure (casefile procedure) may
// the judge set stage periods (SetStage: 陈述, 答辩, 质证意见, 最后陈述) and
// the parties upload recorded statements (SubmitStatement: MP3, WAV, MP4 or
// text) within a stage's period; otherwise errs.Conflict with one field per
// missing condition ("conditions.<name>").
//
// # Access
//
// Every read and change passes casefile.Authorize (audited there); file
// downloads are audited again as "exhibit.file.read" with the SHA-256. The
// room's views pass the hearing room's check instead (above). A
// stranger gets errs.NotFound, and so does a party asking for the other
// side's exhibit before an exchange has begun.
//
// # Events and audit
//
//	Submit, SubmitFiled   ecourt.exhibit.exhibit.submitted   exhibit.exhibit.submit
//	OpenExchange          ecourt.exhibit.exchange.opened     exhibit.exchange.open
//	ExtendExchange        ecourt.exhibit.exchange.extended   exhibit.exchange.extend
//	RecordOpinion         ecourt.exhibit.opinion.recorded    exhibit.opinion.record
//	MarkDispute           ecourt.exhibit.dispute.marked      exhibit.dispute.mark
//	Present               ecourt.exhibit.exhibit.presented   exhibit.exhibit.present
//	RecordCondition       ecourt.exhibit.condition.recorded  exhibit.condition.record
//	SetStage              ecourt.exhibit.stage.set           exhibit.stage.set
//	SubmitStatement       ecourt.exhibit.statement.submitted exhibit.statement.submit
//	Open (download)       —                                  exhibit.file.read
//	RoomPresented, WatchRoom —                               exhibit.room.view
//	OpenRoomExhibit       —                                  exhibit.room.file
//
// Payloads carry IDs, hashes and stances, never names or reasons.
//
// # Wiring
//
// The app builds New(db, Deps{Cases, Blobs, Filings, Hearings, Live}),
// migrates Migrations (after audit and bus), loads Messages, adds
// Templates as the page set "exhibit", calls Routes and Pages and merges
// OpenAPI. The evidence ledger subscribes to EventSubmitted (and
// EventStatement) like to ecourt.filing.evidence.added.
package exhibit
