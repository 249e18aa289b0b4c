package app

import (
	"context"
	"io/fs"

	"github.com/ecourt/ecourt/internal/casefile"
	"github.com/ecourt/ecourt/internal/court"
	"github.com/ecourt/ecourt/internal/identity"
	"github.com/ecourt/ecourt/internal/platform/audit"
	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/i18n"
	"github.com/ecourt/ecourt/internal/platform/sqldb"
)

// services are the bounded contexts.
type services struct {
	sms      *identity.DevSMS
	identity *identity.Service
	court    *court.Service
	casefile *casefile.Service
	catalog  *i18n.Catalog
}

// migrationSets lists every context's schema in dependency order.
func migrationSets() []sqldb.MigrationSet {
	return []sqldb.MigrationSet{audit.Migrations, bus.Migrations, identity.Migrations, court.Migrations, casefile.Migrations}
}

// bundles lists every context's message catalogue.
func bundles() []fs.FS {
	return []fs.FS{i18n.Platform(), appMessages, identity.Messages, court.Messages, casefile.Messages}
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
