package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/casefund"
	"github.com/ecourt/ecourt/internal/court"
	"github.com/ecourt/ecourt/internal/delivery"
	"github.com/ecourt/ecourt/internal/document"
	"github.com/ecourt/ecourt/internal/document/render"
	"github.com/ecourt/ecourt/internal/enforcement"
	"github.com/ecourt/ecourt/internal/enforcement/delay"
	"github.com/ecourt/ecourt/internal/exhibit"
	"github.com/ecourt/ecourt/internal/fees"
	"github.com/ecourt/ecourt/internal/fees/sandbox"
	"github.com/ecourt/ecourt/internal/filing"
	"github.com/ecourt/ecourt/internal/filing/complaint"
	"github.com/ecourt/ecourt/internal/hearing"
	"github.com/ecourt/ecourt/internal/identity"
	"github.com/ecourt/ecourt/internal/identity/idocr"
	"github.com/ecourt/ecourt/internal/ledger"
	"github.com/ecourt/ecourt/internal/notify"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/blob"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/i18n"
	"github.com/ecourt/ecourt/internal/platform/jobs"
	"github.com/ecourt/ecourt/internal/platform/live"
	"github.com/ecourt/ecourt/internal/platform/money"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
	"github.com/ecourt/ecourt/internal/seal"
	"github.com/ecourt/ecourt/internal/transcript"
)

// services are the bounded contexts.
type services struct {
	sms        *identity.DevSMS
	identity   *identity.Service
	court      *court.Service
	casefile   *casefile.Service
	filing     *filing.Service
	fees       *fees.Service
	sandbox    *sandbox.Sandbox
	seals      *seal.Service
	docs       *document.Service
	ledger     *ledger.Service
	notify     *notify.Service
	devSMS     *notify.DevSMS
	delivery   *delivery.Service
	hearing    *hearing.Service
	transcript *transcript.Service
	exhibit    *exhibit.Service
	enforce    *enforcement.Service
	casefund   *casefund.Service
	hub        *live.Hub
	ocr        *idocr.Recognizer
	catalog    *i18n.Catalog
}

// migrationSets lists every context's schema in dependency order.
func migrationSets() []sqldb.MigrationSet {
	return []sqldb.MigrationSet{audit.Migrations, blob.Migrations, bus.Migrations, jobs.Migrations, identity.Migrations, court.Migrations,
		casefile.Migrations, filing.Migrations, fees.Migrations, seal.Migrations, document.Migrations, ledger.Migrations,
		notify.Migrations, delivery.Migrations, hearing.Migrations, transcript.Migrations, exhibit.Migrations,
		enforcement.Migrations, casefund.Migrations}
}

// bundles lists every context's message catalogue.
func bundles() []fs.FS {
	return []fs.FS{i18n.Platform(), appMessages, identity.Messages, idocr.Messages, court.Messages, casefile.Messages,
		filing.Messages, complaint.Messages, fees.Messages, sandbox.Messages, seal.Messages, document.Messages, render.Messages(), ledger.Messages,
		notify.Messages, delivery.Messages, hearing.Messages, transcript.Messages, exhibit.Messages,
		enforcement.Messages, delay.Messages, casefund.Messages}
}

func (a *App) buildServices(ctx context.Context) error {
	var err error
	if a.svc.catalog, err = i18n.New(bundles()...); err != nil {
		return err
	}
	a.svc.sms = identity.NewDevSMS(a.log)
	a.svc.identity = identity.New(a.DB, a.svc.sms, identity.DevProvider{}, a.secret)
	a.svc.court = court.New(a.DB, nil)
	a.svc.casefile = casefile.New(a.DB, courtAdapter{a.svc.court}, casefile.WithStaff(a.svc.identity))
	a.svc.ocr = idocr.New(idocr.Options{})
	// Probing tesseract takes tens of milliseconds: do it off the start-up
	// path (the first page that needs the answer waits for it).
	go func(ocr *idocr.Recognizer) {
		if !ocr.Available() {
			a.log.Warn("ID-card recognition unavailable: tesseract with chi_sim not found; filing forms are filled in by hand")
		}
	}(a.svc.ocr)
	// The sandbox is the built-in payment gateway until a real adapter
	// (UnionPay, WeChat Pay, Alipay) is configured behind fees.Gateway.
	feeOpts := []fees.Option{fees.WithJobs(), fees.WithBlobs(a.Blobs)}
	if a.cfg.Demo || a.cfg.PaymentSandbox {
		a.svc.sandbox = sandbox.New(sandbox.Options{Secret: derive(a.secret, "fees.sandbox")})
		feeOpts = append(feeOpts, fees.WithGateway(sandbox.Name, a.svc.sandbox))
	} else {
		a.log.Warn("no payment gateway configured: fees are billed but cannot be paid online (use --payment-sandbox to try the sandbox)")
	}
	a.svc.fees = fees.New(a.DB, a.svc.casefile, a.svc.court, feeOpts...)
	a.svc.filing = filing.New(a.DB, filing.Deps{Courts: a.svc.court, Cases: a.svc.casefile, Blobs: a.Blobs,
		OCR: filing.FromIDOCR(a.svc.ocr), Quoter: feeQuoter{a.svc.fees},
		FeeURL: func(caseID string) string { return "/cases/" + caseID + "#fees" }, TempDir: os.TempDir()})
	// The court seals and the evidence ledger keep their private keys in
	// the data directory (0700/0600; both refuse looser permissions).
	if a.svc.seals, err = seal.New(ctx, a.DB, filepath.Join(a.cfg.DataDir, "keys", "seals"), a.svc.court, seal.Options{}); err != nil {
		return err
	}
	if a.svc.ledger, err = ledger.New(a.DB, filepath.Join(a.cfg.DataDir, "keys", "ledger"), ledger.WithLogger(a.log)); err != nil {
		return err
	}
	a.svc.docs = document.New(a.DB, document.Deps{Cases: a.svc.casefile, Courts: a.svc.court, Seals: a.svc.seals,
		Blobs: a.Blobs, Ledger: ledgerStatus{a.svc.ledger}})
	if err := a.buildNotify(); err != nil {
		return err
	}
	a.svc.delivery = delivery.New(a.DB, delivery.Deps{Cases: a.svc.casefile, Courts: a.svc.court,
		Notifier: deliveryNotifier{}, Certifier: certifier{a}, Logger: a.log})
	a.svc.hearing = hearing.New(a.DB, hearing.Deps{Cases: a.svc.casefile, Rooms: a.rooms(), Staff: a.svc.identity, Bus: a.Bus, Logger: a.log})
	var stt transcript.Transcriber
	if a.cfg.STTURL != "" {
		model := a.cfg.STTModel
		if model == "" {
			model = "whisper-1"
		}
		stt = &transcript.OpenAITranscriber{BaseURL: a.cfg.STTURL, APIKey: a.cfg.STTKey, Model: model}
	}
	a.svc.transcript = transcript.New(a.DB, transcript.Deps{Cases: a.svc.casefile, Courts: a.svc.court,
		Codes: accountCodes{a.svc.identity}, Issuer: recordIssuer{a}, Live: a.Bus, Transcriber: stt, Logger: a.log})
	a.svc.exhibit = exhibit.New(a.DB, exhibit.Deps{Cases: a.svc.casefile, Blobs: a.Blobs,
		Hearings: hearingFinder{a.svc.hearing}, Live: a.Bus, TempDir: os.TempDir()})
	// One live hub per process carries enforcement progress to open pages
	// and phones: it listens to the bus once, whatever the number of
	// subscribers (see internal/platform/live).
	a.svc.hub = live.NewHub(live.Options{})
	a.svc.enforce = enforcement.New(a.DB, enforcement.Deps{Cases: a.svc.casefile, Courts: a.svc.court, Blobs: a.Blobs,
		Roles: a.svc.identity, Titles: titles{a}, Notifier: enforcementNotifier{}, Hub: a.svc.hub, Logger: a.log},
		enforcement.Options{TempDir: os.TempDir()})
	a.svc.casefund = casefund.New(a.DB, casefund.Deps{Cases: a.svc.casefile, Fees: enforcementFees{a}}, casefund.Options{})
	a.Jobs = jobs.NewRunner(a.DB, jobs.RunnerOptions{Logger: a.log})
	a.svc.filing.RegisterJobs(a.Jobs)
	a.svc.fees.RegisterJobs(a.Jobs)
	a.svc.ledger.RegisterJobs(a.Jobs)
	a.svc.delivery.RegisterJobs(a.Jobs)
	a.svc.hearing.RegisterJobs(a.Jobs)
	a.svc.transcript.RegisterJobs(a.Jobs)
	a.svc.enforce.RegisterJobs(a.Jobs)
	return a.svc.ledger.ScheduleTreeHeads(ctx)
}

// ledgerStatus gives the document verifier the ledger's answer for a hash.
type ledgerStatus struct{ l *ledger.Service }

func (a ledgerStatus) Inclusion(ctx context.Context, sum []byte) (document.LedgerStatus, error) {
	st, err := a.l.Inclusion(ctx, sum)
	switch {
	case errs.CodeOf(err) == errs.NotFound:
		return document.LedgerStatus{}, nil // not logged yet: pending
	case err != nil:
		return document.LedgerStatus{}, err
	case st.State != ledger.Included:
		return document.LedgerStatus{}, nil
	}
	return document.LedgerStatus{Included: true, LeafIndex: int64(st.Leaf.Index), TreeSize: int64(st.TreeSize),
		ProofURL: ledger.ProofURL(sum, st.TreeSize)}, nil
}

// courtAdapter gives the casefile the part of the court context it needs.
type courtAdapter struct{ c *court.Service }

// CasefileCourts is the adapter the app gives the casefile as its Courts
// (exported for tools that run contexts outside the app).
func CasefileCourts(c *court.Service) casefile.Courts { return courtAdapter{c} }

func (c courtAdapter) CaseCourt(ctx context.Context, id string) (casefile.CourtRef, error) {
	ct, err := c.c.CaseCourt(ctx, id)
	if err != nil {
		return casefile.CourtRef{}, err
	}
	return casefile.CourtRef{ID: ct.ID, Code: ct.Code}, nil
}

func (c courtAdapter) IsAbove(ctx context.Context, upper, lower string) (bool, error) {
	return c.c.IsAbove(ctx, upper, lower)
}

// seed loads reference data at every start and demo data once.
func (a *App) seed(ctx context.Context) error {
	if _, err := a.svc.court.Seed(ctx); err != nil {
		return err
	}
	if a.cfg.Demo {
		return a.seedDemo(ctx)
	}
	return nil
}

// derive makes a purpose-specific key from the server secret.
func derive(secret []byte, purpose string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(purpose))
	return m.Sum(nil)
}

// feeQuoter gives the filing form its fee preview from the fees context.
type feeQuoter struct{ f *fees.Service }

func (q feeQuoter) QuoteFee(ctx context.Context, kind string, amountFen int64, procedure string) (filing.FeeQuote, error) {
	r, err := q.f.Quote(ctx, fees.QuoteRequest{Kind: fees.Kind(kind), AmountFen: money.Fen(amountFen), Procedure: procedure})
	if err != nil {
		return filing.FeeQuote{}, err
	}
	return filing.FeeQuote{FeeFen: int64(r.FeeFen), PayableLater: fees.Kind(kind) == fees.Enforcement || fees.Kind(kind) == fees.Bankruptcy}, nil
}
