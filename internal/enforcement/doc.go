// Package enforcement is the enforcement context (执行): applications for
// enforcement and their acceptance into a case, the progress nodes the
// officers record and push to the parties as they happen, the applicant's
// property leads and the officers' answers, the case's deadline, its
// extension and the escalation to the higher court.
//
// # Rules
//
//   - Application (Apply): from an effective platform document (judgment,
//     ruling, mediation document, judicial confirmation, through Titles) or
//     an uploaded title (notarised debt instrument, CPL Art. 249; arbitral
//     award, Art. 248; checked by content). The two-year period of CPL
//     Art. 250 is computed by delay.WithinApplicationPeriod (from the last
//     day of performance, the last instalment's due date, or the effective
//     date; suspensions extend it). A late application must be confirmed by
//     the applicant and is recorded as late: the court still accepts it
//     (民诉法解释 Art. 481), the debtor may object.
//   - Acceptance (Accept, filing officers): casefile.Create with type code
//     执 / 执恢 / 执保 / 执异, procedure enforcement, 申请执行人 and 被执行人,
//     Origin "enforcement:<application id>" (idempotent); the fee of
//     诉讼费用交纳办法 Art. 14(一), paid after enforcement (Art. 20); the
//     deadline six months from filing (严格执行审限规定 Art. 5) on the court's
//     calendar; the officers (enforcement officers of the court; one 承办).
//   - Nodes (RecordNode): kinds from the versioned catalogue
//     data/node_kinds.json (法发〔2014〕18号 Art. 3) plus the court's own
//     (AddKind). Each node carries text, amount, fields, attachments
//     (photos, video, PDF in the blob store), the phone's position and
//     time. Who sees it is the kind's audience (applicant, respondent,
//     staff); sensitive fields are masked for the parties (mask.go);
//     preservation-type measures are disclosed once carried out
//     (审判流程公开规定 Art. 8; Disclose).
//   - Leads (SubmitLead, AnswerLead): due the court's answer period after
//     receipt (default 7 days, 财产调查规定 Art. 2), on the court's calendar;
//     overdue ones are flagged on the officer's list; a rejection needs a
//     reason; the debtor never sees leads.
//   - Periods (Case, Extend, Escalate): warnings 30 and 7 days before the
//     deadline and once overdue; an extension records its approval (a
//     second one its filing with the high court); six months after the
//     application without enforcement the applicant may apply to the
//     higher court (CPL Art. 237), which opens a 执监 record there.
//   - Every read passes casefile's Authorize (audited there); every change
//     is one transaction with its outbox event and audit entry.
//
// # Events
//
//	ecourt.enforcement.application.submitted / accepted / rejected
//	ecourt.enforcement.node.recorded / disclosed   NodeEvent: masked views per audience
//	ecourt.enforcement.lead.submitted / answered
//	ecourt.enforcement.case.extended / escalated
//
// Timeline entries (casefile, through the job JobTimeline):
// enforcement.node_recorded, node_disclosed, lead_submitted, lead_answered,
// extended, escalated. A node some party may not see is staff-only there.
//
// # Live
//
// RouteNode turns a node event into one pre-encoded message per audience
// on the topics "enforcement:<case>:<audience>" (Topic); GET
// /api/v1/enforcement/live subscribes the caller to the topics of the
// audiences they belong to, in all their enforcement cases or ?case= one.
//
// # Wiring
//
// Migrate Migrations after audit, bus and jobs; add Messages (and
// delay.Messages) to the catalogue; Templates as web.PageSet{Namespace:
// "enforcement"}; Static under "enforcement/" in the assets; build
// New(db, Deps{Cases: casefile, Courts: court, Blobs, Roles: identity,
// Titles: an adapter of internal/document, Notifier: an adapter of
// notify.Enqueue, Hub: the live hub}, Options{}); call Routes, Pages and
// RegisterJobs; start hub.Feed(ctx, bus, NodeSubjects, RouteNode); merge
// OpenAPI. The notify templates NoticeTemplates must exist in
// internal/notify/texts.
package enforcement
