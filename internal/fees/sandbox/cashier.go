package sandbox

import (
	"net/http"

	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/money"
	"github.com/ecourt/ecourt/internal/platform/web"
)

// Routes registers the hosted cashier on mux, rendered by rd (which must
// include Templates under the namespace "sandbox" and Messages):
//
//	GET  /sandbox-pay/{ref}   the cashier: description, amount, Pay and Fail
//	POST /sandbox-pay/{ref}   action=pay or action=fail
//
// After Pay the browser returns to the merchant's return URL; after Fail
// the cashier is shown again with the failure, and the person may retry.
func (s *Sandbox) Routes(mux web.Mux, rd *web.Renderer) {
	c := &cashier{s: s, rd: rd}
	mux.HandleFunc("GET /sandbox-pay/{ref}", c.handleShow)
	mux.HandleFunc("POST /sandbox-pay/{ref}", c.handleAct)
}

type cashier struct {
	s  *Sandbox
	rd *web.Renderer
}

// CashierPage is the Data of the "sandbox/cashier" page.
type CashierPage struct {
	Ref         string
	Description string
	AmountFen   money.Fen
	Paid        bool
	Failed      bool
}

func (c *cashier) page(w http.ResponseWriter, r *http.Request, failed bool) {
	o, ok := c.s.order(r.PathValue("ref"))
	if !ok {
		web.Error(w, r, errs.New(errs.NotFound, "sandbox.error.no_order"))
		return
	}
	c.rd.Render(w, r, http.StatusOK, "sandbox/cashier", CashierPage{Ref: o.ref, Description: o.description,
		AmountFen: o.amount, Paid: o.paid, Failed: failed})
}

func (c *cashier) handleShow(w http.ResponseWriter, r *http.Request) { c.page(w, r, false) }

func (c *cashier) handleAct(w http.ResponseWriter, r *http.Request) {
	ref := r.PathValue("ref")
	o, ok := c.s.order(ref)
	if !ok {
		web.Error(w, r, errs.New(errs.NotFound, "sandbox.error.no_order"))
		return
	}
	switch r.FormValue("action") {
	case "pay":
		if err := c.s.Pay(ref); err != nil {
			web.Error(w, r, err)
			return
		}
		target := o.returnURL
		if target == "" {
			target = "/sandbox-pay/" + ref
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
	case "fail":
		if err := c.s.Fail(ref); err != nil {
			web.Error(w, r, err)
			return
		}
		c.page(w, r, true)
	default:
		web.Error(w, r, errs.Fields(errs.Field("action", "required")))
	}
}
