// Package delivery is the electronic-service context (电子送达): serving court
// documents with legal effect and a record that proves it.
//
// # Consent
//
// Electronic service needs the recipient's consent (CPL Art. 90; Online
// Litigation Rules Art. 29). Consent belongs to a party in a case:
//
//   - the 送达地址确认书 (Consent, SignConsent): whether electronic service
//     is accepted, whether for judgments, rulings and mediation documents
//     too, the addresses (platform inbox, SMS, e-mail), a postal address;
//     signed on the platform by the party or its representative, or
//     recorded by the clerk from a telephone call or a paper form (Art. 30,
//     33; 民诉法解释 Art. 136). Versions are kept; the newest applies to
//     services made after it, never to earlier ones.
//   - the deemed cases of Art. 29 para 2 (二)–(四) (BasisRecord,
//     RecordBasis): a pre-litigation agreement or undertaking, an address
//     given in a pleading, an electronic service already accepted — each
//     recorded with the fact and the addresses it names, so the clerk can
//     see why service is lawful. Case (一), express consent, is the
//     confirmation itself.
//
// decide holds the rules (its comment explains them): the newest
// confirmation wins over every basis; judgments, rulings and mediation
// documents need express consent that names them; without consent or basis
// electronic service is refused, and the clerk gets a fallback task.
//
// # Service
//
// Serve writes one Record per recipient. A lawful one goes out as an
// Attempt to the Notifier (in the same transaction) with one channel per
// address; the platform inbox is added as a notice (Art. 32) when it is not
// one of the recipient's addresses and then does not count for the time of
// service. The notification context reports back through ChannelSent,
// ChannelFailed and Read (all idempotent, in any order). The legal time of
// service is the earliest "sent successfully" among the valid channels of
// all attempts (Art. 31; CPL Art. 90 para 2; 民诉法解释 Art. 135), moved
// back if an earlier report comes late. When every valid channel failed the
// record fails and the clerk gets a fallback task; Resend adds an attempt
// to the same record. Fallbacks (direct, post, left at the residence,
// announcement) are recorded by the clerk (RecordFallback) and set the time
// of service; an announcement counts after 30 days (CPL Art. 95), 60 for a
// recipient without a PRC domicile (Art. 283), on the court's calendar. A
// recipient may ask for a paper copy of a judgment served electronically
// (RequestPaperCopy, Art. 90); the time of service stays.
//
// Record state machine (transitions): sending → served | failed |
// announced; failed, refused → sending (resend) | served | announced;
// announced → served. Served is final.
//
// Once served electronically, a job hands the whole record to the
// Certifier for the 电子送达凭证 (Art. 31 para 3) and stores its reference.
//
// # Periods
//
// Service starts periods (Period): the answer (CPL Art. 128; 30 days
// without a PRC domicile, Art. 285), the appellee's answer (Art. 174,
// 286), the appeal against a judgment (Art. 171 para 1) or an appealable
// ruling (para 2; 30 days without a PRC domicile, Art. 286). The rules
// are versioned data (data/rules.json, Rules); the last day is computed on
// the court's calendar (CPL Art. 85, court.ComputePeriod) and recomputed if
// the time of service moves. Both sides see every period; the party is
// reminded (ReminderDays before the end) through the Notifier by durable
// jobs.
//
// # Events, audit and timeline
//
//	SignConsent        ecourt.delivery.consent.signed      delivery.consent.sign      delivery.consent_signed
//	RecordBasis        ecourt.delivery.basis.recorded      delivery.basis.record
//	Serve              ecourt.delivery.service.requested   delivery.service.serve     delivery.requested
//	  (not lawful)     ecourt.delivery.service.failed      delivery.task.open         delivery.refused
//	served             ecourt.delivery.service.effective   delivery.service.effective delivery.served
//	all channels fail  ecourt.delivery.service.failed      delivery.service.fail      delivery.failed
//	first read         ecourt.delivery.service.read        delivery.channel.read
//	Resend             ecourt.delivery.service.requested   delivery.service.resend    delivery.requested
//	RecordFallback     ecourt.delivery.fallback.recorded   delivery.fallback.record   delivery.announced (announcement)
//	RequestPaperCopy   ecourt.delivery.paper.requested     delivery.paper.request     delivery.paper_requested
//	tasks              ecourt.delivery.task.created        delivery.task.open/close
//	certificate job    ecourt.delivery.certificate.issued  delivery.certificate.attach
//
// Every read passes the casefile's Authorize and is audited. Event payloads
// carry no addresses. Timeline entries are written by a job (JobTimeline),
// because casefile.AddEvent runs its own transaction.
//
// # Wiring
//
// The app builds New(db, Deps{Cases, Courts, Notifier, Certifier}), migrates
// Migrations (after audit, bus and jobs), loads Messages, adds Templates as
// the page set "delivery", calls Routes and Pages, merges OpenAPI, calls
// RegisterJobs on its job runner, and feeds the notification context's
// outcome events into ChannelSent, ChannelFailed and Read.
package delivery
