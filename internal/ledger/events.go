package ledger

import (
	"context"
	"encoding/hex"
	"fmt"
	"net/url"
	"strconv"

	"github.com/ecourt/ecourt/internal/platform/bus"
	"github.com/ecourt/ecourt/internal/platform/errs"
)

// The events the ledger logs, and its durable consumers of them.
const (
	// EventDocumentIssued is the document context's event of an issued
	// (sealed) document; its payload carries document_id, court_id and
	// sha256 (lowercase hex of the issued PDF).
	EventDocumentIssued = "ecourt.document.document.issued"
	// EventEvidenceUploaded is the event a context emits for an uploaded
	// evidence file, with the payload
	//
	//	{"evidence_id": "<ID>", "court_id": "<court ID>", "sha256": "<64 hex>"}
	//
	// (a context may instead call AppendTx in the upload's transaction).
	EventEvidenceUploaded = "ecourt.filing.evidence.added"

	consumerDocuments = "ledger-document-issued"
	consumerEvidence  = "ledger-evidence-uploaded"
)

// loggedPayload is the part of both events' payloads the ledger reads.
type loggedPayload struct {
	DocumentID string `json:"document_id"`
	EvidenceID string `json:"evidence_id"`
	CourtID    string `json:"court_id"`
	SHA256     string `json:"sha256"`
}

// HandleDocumentIssued logs an issued document (EventDocumentIssued) as
// kind "document", ref its document ID. It is idempotent (Append); a
// malformed payload is an errs.Invalid error.
func (s *Service) HandleDocumentIssued(ctx context.Context, ev bus.Event) error {
	return s.handleLogged(ctx, ev, KindDocument)
}

// HandleEvidenceUploaded logs an uploaded evidence file
// (EventEvidenceUploaded) as kind "evidence", ref its evidence ID. It is
// idempotent (Append); a malformed payload is an errs.Invalid error.
func (s *Service) HandleEvidenceUploaded(ctx context.Context, ev bus.Event) error {
	return s.handleLogged(ctx, ev, KindEvidence)
}

func (s *Service) handleLogged(ctx context.Context, ev bus.Event, kind string) error {
	var p loggedPayload
	if err := ev.Decode(&p); err != nil {
		return err
	}
	ref := p.DocumentID
	if kind == KindEvidence {
		ref = p.EvidenceID
	}
	sum, err := ParseSHA256("sha256", p.SHA256)
	if err != nil {
		return errs.Wrap(errs.Invalid, "", fmt.Errorf("ledger: %s %s: payload sha256 %q", ev.Type, ev.ID, p.SHA256))
	}
	courtID := p.CourtID
	if courtID == "" {
		courtID = ev.CourtID
	}
	_, err = s.Append(ctx, Entry{Kind: kind, Ref: ref, CourtID: courtID, SHA256: sum})
	return err
}

// Subscribe starts the ledger's durable consumers: "ledger-document-issued"
// on EventDocumentIssued and "ledger-evidence-uploaded" on
// EventEvidenceUploaded. Call it once at start-up; stop stops both.
func (s *Service) Subscribe(ctx context.Context, b *bus.Bus) (stop func(), err error) {
	stopDocs, err := b.Subscribe(ctx, consumerDocuments, EventDocumentIssued, s.HandleDocumentIssued)
	if err != nil {
		return nil, err
	}
	stopEvidence, err := b.Subscribe(ctx, consumerEvidence, EventEvidenceUploaded, s.HandleEvidenceUploaded)
	if err != nil {
		stopDocs()
		return nil, err
	}
	return func() { stopDocs(); stopEvidence() }, nil
}

// ProofURL returns the address (path and query) of the downloadable
// inclusion proof of a file with content hash sum against the signed head
// of treeSize leaves (0: the newest head).
func ProofURL(sum []byte, treeSize uint64) string {
	q := url.Values{"sha256": {hex.EncodeToString(sum)}}
	if treeSize > 0 {
		q.Set("tree_size", strconv.FormatUint(treeSize, 10))
	}
	return "/api/v1/ledger/proofs/inclusion?" + q.Encode()
}
