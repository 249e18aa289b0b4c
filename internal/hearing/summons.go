package hearing

import (
	"time"

	"github.com/ecourt/ecourt/internal/casefile"
)

// Summons is the payload of the ecourt.hearing.hearing.* events. The app
// serves a 传票 on each party (出庭通知书 on the others) through delivery
// from the scheduled and rescheduled events, and a notice of cancellation
// from the cancelled one. RoomPath is the hearing room page for online
// participants; Courtroom the place for offline ones.
type Summons struct {
	HearingID    string          `json:"hearing_id"`
	CaseID       string          `json:"case_id"`
	CourtID      string          `json:"court_id"`
	CaseNumber   string          `json:"case_number"`
	StartsAt     time.Time       `json:"starts_at"`
	EndsAt       time.Time       `json:"ends_at"`
	Courtroom    string          `json:"courtroom"`
	Mode         Mode            `json:"mode"`
	RoomPath     string          `json:"room_path"`
	Public       bool            `json:"public"`
	Status       Status          `json:"status"`
	Seq          int             `json:"seq"`
	Reason       string          `json:"reason,omitempty"`
	Participants []SummonsPerson `json:"participants"`
}

// SummonsPerson is one person summoned, with how they take part.
type SummonsPerson struct {
	Kind      Kind   `json:"kind"`
	Seat      string `json:"seat"`
	PartyID   string `json:"party_id,omitempty"`
	AccountID string `json:"account_id,omitempty"`
	Name      string `json:"name"`
	Mode      Mode   `json:"mode"`
}

func summonsOf(h Hearing, reason string) Summons {
	s := Summons{HearingID: h.ID, CaseID: h.CaseID, CourtID: h.CourtID, CaseNumber: h.CaseNumber, StartsAt: h.StartsAt,
		EndsAt: h.EndsAt, Courtroom: h.Courtroom, Mode: h.Mode, RoomPath: "/hearings/" + h.ID + "/room", Public: h.Public,
		Status: h.Status, Seq: h.Seq, Reason: reason}
	for _, p := range h.Participants {
		s.Participants = append(s.Participants, SummonsPerson{Kind: p.Kind, Seat: p.Seat, PartyID: p.PartyID,
			AccountID: p.AccountID, Name: p.Name, Mode: p.Mode})
	}
	return s
}

// partySeats are the seat labels of the party roles (Art. 24).
var partySeats = map[casefile.PartyRole]string{
	casefile.Plaintiff: "原告", casefile.Defendant: "被告", casefile.ThirdParty: "第三人",
	casefile.Applicant: "申请人", casefile.Respondent: "被申请人", casefile.Appellant: "上诉人",
	casefile.Appellee: "被上诉人", casefile.Creditor: "债权人", casefile.Debtor: "债务人",
	casefile.JudgmentCreditor: "申请执行人", casefile.JudgmentDebtor: "被执行人", casefile.Objector: "案外人",
}

func partySeat(r casefile.PartyRole) string {
	if s, ok := partySeats[r]; ok {
		return s
	}
	return "当事人"
}

func repSeat(party string, k casefile.RepresentativeKind) string {
	if k == casefile.LegalRep {
		return party + "法定代理人"
	}
	return party + "委托诉讼代理人"
}
