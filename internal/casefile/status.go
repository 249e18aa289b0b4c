package casefile

import (
	"slices"

	"github.com/ecourt/ecourt/internal/platform/errs"
)

// Status is where a case stands. The allowed moves between statuses are the
// transitions table; Transition checks them in one place (checkTransition).
type Status string

// The statuses.
const (
	Filed     Status = "filed"     // 立案登记: numbered, not yet accepted for trial
	Accepted  Status = "accepted"  // 受理: open, waiting for trial work to begin
	InTrial   Status = "in_trial"  // 审理中 (or 执行中 for enforcement cases)
	Suspended Status = "suspended" // 中止
	Decided   Status = "decided"   // 已裁判: judgment, ruling or mediation agreement issued
	Withdrawn Status = "withdrawn" // 撤诉 / 撤回申请 / 按撤诉处理
	Closed    Status = "closed"    // 结案归档: nothing moves any more
)

// Statuses lists the statuses in the order a case usually passes them.
var Statuses = []Status{Filed, Accepted, InTrial, Suspended, Decided, Withdrawn, Closed}

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// Open reports whether a case in status s still counts as pending (every
// status but closed).
func (s Status) Open() bool { return s.Valid() && s != Closed }

// transitions is the case state machine: from → the statuses it may move to.
var transitions = map[Status][]Status{
	Filed:     {Accepted, Withdrawn},
	Accepted:  {InTrial, Suspended, Decided, Withdrawn},
	InTrial:   {Suspended, Decided, Withdrawn},
	Suspended: {InTrial, Decided, Withdrawn}, // resumed, or ended by a ruling (终结)
	Decided:   {Closed},
	Withdrawn: {Closed},
	Closed:    nil,
}

// needsReason lists the target statuses whose transition must give a reason
// (the ground for suspending or for treating the case as withdrawn).
var needsReason = []Status{Suspended, Withdrawn}

// CanTransition reports whether the state machine allows from → to.
func CanTransition(from, to Status) bool {
	return slices.Contains(transitions[from], to)
}

// checkTransition is the one check of a status change. It returns
// errs.Invalid (field "status") for an unknown target or a missing reason
// and errs.Conflict (key casefile.error.transition) for a move the table
// does not allow.
func checkTransition(from, to Status, reason string) error {
	if !to.Valid() {
		return errs.Fields(errs.Field("status", "casefile_status"))
	}
	if !CanTransition(from, to) {
		return errs.New(errs.Conflict, "casefile.error.transition", string(from), string(to))
	}
	if slices.Contains(needsReason, to) && reason == "" {
		return errs.Fields(errs.Field("reason", "required"))
	}
	if len([]rune(reason)) > 500 {
		return errs.Fields(errs.Field("reason", "too_long", 500))
	}
	return nil
}
