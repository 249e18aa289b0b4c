// Package notify is the notification context: messages to people through
// the in-app inbox, SMS, e-mail and webhooks, each in the recipient's own
// language, delivered exactly once across crashes, with the time each was
// accepted — which the electronic-service context (delivery) uses as the
// legal time of service: service takes effect when the document reaches
// the recipient's system (Online Litigation Rules Art. 31; CPL Art. 90;
// 民诉法解释 Art. 135).
//
// # Producing
//
// A context calls Enqueue inside its own transaction, with a Message: an
// idempotency ID, a Ref echoed in the outcome events, recipient account IDs
// (up to MaxRecipients; the message is stored once), channels, optional
// explicit addresses, a template key and its data. Nothing is lost once the
// producer's transaction commits, and a repeated ID is a no-op.
//
// # Pipeline
//
//	Enqueue (producer's tx)   notify_message + outbox ecourt.notify.message.queued
//	  → relay → JetStream → fan-out (durable "notify-fanout")
//	      per batch of FanoutBatch recipients, one transaction:
//	        notify_inbox rows (the inbox channel: delivered when written)
//	        notify_delivery rows (queued) for SMS, e-mail, webhook
//	        outbox ecourt.notify.inbox.added (live push), ecourt.notify.<channel>.queued
//	  → relay → JetStream → dispatcher per channel (durable "notify-<channel>")
//	      claim (sending, lease) → provider → sent | failed (retry after backoff) | dead
//
// Every delivery has an ID that is also the client reference given to the
// provider (SMS client_ref, e-mail Message-ID, webhook X-Ecourt-Delivery).
// It is claimed in a transaction before the provider is called and its
// outcome recorded in another after; a delivery found "sending" after its
// lease (the worker died) is resolved by asking the provider by client
// reference (Sender.Query), never by sending again on a guess. A channel
// that cannot be asked (plain SMTP) sends such a delivery to the
// dead-letter list instead. Each channel's sweeper also sends retries when
// their backoff ends and picks up anything the work queue missed.
//
// # Channels
//
// Inbox: notify_inbox, unread count, MarkRead (read receipt), live changes
// over server-sent events from the bus's Live fan-out (Watch). SMS:
// SMSChannel over SMSProviders (HTTPSMS for a gateway's JSON API, DevSMS
// for development), each kept to its rate, falling back to the next
// provider on a transient failure. E-mail: SMTPSender (STARTTLS, AUTH
// PLAIN) or EMLSink (.eml files). Webhook: WebhookSender, JSON signed with
// HMAC-SHA256 (SignWebhook, VerifyWebhook).
//
// # Events
//
//	ecourt.notify.delivery.sent    Outcome  a provider accepted it / the inbox row was written (messages with a Ref)
//	ecourt.notify.delivery.failed  Outcome  failed for good: dead letter (messages with a Ref)
//	ecourt.notify.message.read     Outcome  the recipient opened it in the inbox (every message)
//	ecourt.notify.inbox.added      InboxAdded  live push to open inbox pages
//	ecourt.notify.message.queued, ecourt.notify.{sms,email,webhook}.queued  the pipeline's own
//
// # Administration
//
// Platform administrators, and court administrators for their courts, list
// dead letters (ListDeadLetters), retry one (RetryDeadLetter, audited as
// "notify.dead_letter.retry") and read a message's per-recipient,
// per-channel status (FindMessageStatus, audited as "notify.message.status").
//
// # Wiring
//
// The app migrates Migrations (after bus and audit), adds Messages to the
// catalogue and Templates to the renderer (namespace "notify"), builds the
// service with New(Deps{DB, Bus, Directory, Logger}, Options{SMS, Email,
// Webhook, …}), mounts Routes and Pages, merges OpenAPI, and calls Start
// after the bus relay is running and Stop before closing the bus.
package notify
