package app

import (
	"context"
	"io/fs"
	"os"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court"
	"github.com/ecourt/ecourt/internal/filing"
	"github.com/ecourt/ecourt/internal/filing/complaint"
	"github.com/ecourt/ecourt/internal/identity"
	"github.com/ecourt/ecourt/internal/identity/idocr"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/i18n"
	"github.com/ecourt/ecourt/internal/platform/jobs"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// services are the bounded contexts.
type services struct {
	sms      *identity.DevSMS
	identity *identity.Service
	court    *court.Service
	casefile *casefile.Service
	filing   *filing.Service
	ocr      *idocr.Recognizer
	catalog  *i18n.Catalog
}

// migrationSets lists every context's schema in dependency order.
func migrationSets() []sqldb.MigrationSet {
	return []sqldb.MigrationSet{audit.Migrations, bus.Migrations, jobs.Migrations, identity.Migrations, court.Migrations,
		casefile.Migrations, filing.Migrations}
}

// bundles lists every context's message catalogue.
func bundles() []fs.FS {
	return []fs.FS{i18n.Platform(), appMessages, identity.Messages, idocr.Messages, court.Messages, casefile.Messages,
		filing.Messages, complaint.Messages}
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
	if !a.svc.ocr.Available() {
		a.log.Warn("ID-card recognition unavailable: tesseract with chi_sim not found; filing forms are filled in by hand")
	}
	a.svc.filing = filing.New(a.DB, filing.Deps{Courts: a.svc.court, Cases: a.svc.casefile, Blobs: a.Blobs,
		OCR: filing.FromIDOCR(a.svc.ocr), TempDir: os.TempDir()})
	a.Jobs = jobs.NewRunner(a.DB, jobs.RunnerOptions{Logger: a.log})
	a.svc.filing.RegisterJobs(a.Jobs)
	return nil
}

// courtAdapter gives the casefile the part of the court context it needs.
type courtAdapter struct{ c *court.Service }

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
