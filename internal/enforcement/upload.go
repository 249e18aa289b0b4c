package enforcement

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"slices"
	"unicode/utf8"

	"github.com/ecourt/ecourt/internal/filing"
	"github.com/ecourt/ecourt/internal/platform/errs"
	"github.com/ecourt/ecourt/internal/platform/ids"
)

// File is an uploaded file: a title, or an attachment of a node or lead.
type File struct {
	Name string // as sent; shown only, never trusted
	Body io.Reader
}

// Attachment kinds: photos, video and documents, decided by content
// (filing.Sniff), never by name.
var attachmentKinds = []string{filing.KindJPEG, filing.KindPNG, filing.KindMP4, filing.KindPDF}

// titleKinds are the kinds of an uploaded title (a scan or the PDF).
var titleKinds = []string{filing.KindPDF, filing.KindJPEG, filing.KindPNG}

// MaxAttachments bounds the files of one node or lead.
const MaxAttachments = 10

// store checks a file and puts it in the blob store. field names the form
// field of its errors (errs.Invalid, changing nothing).
func (s *Service) store(ctx context.Context, f File, allowed []string, field string) (Attachment, error) {
	tmp, kind, size, err := s.spool(f.Body, allowed, field)
	if err != nil {
		return Attachment{}, err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	ref, err := s.deps.Blobs.Put(ctx, tmp)
	if err != nil {
		return Attachment{}, err
	}
	name := f.Name
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > 200 {
		name = ""
	}
	return Attachment{ID: ids.New(), Kind: kind, FileName: name, SHA256: ref.SHA256, Size: size}, nil
}

// storeAll stores files as attachments, checking each.
func (s *Service) storeAll(ctx context.Context, files []File) ([]Attachment, error) {
	if len(files) > MaxAttachments {
		return nil, errs.Fields(errs.Field("files", "enforcement_too_many_files", MaxAttachments))
	}
	out := make([]Attachment, 0, len(files))
	for _, f := range files {
		a, err := s.store(ctx, f, attachmentKinds, "files")
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// spool copies body into a temporary file and checks it: kind by content
// among allowed, size by kind, PDF structure. The returned file is at its
// start; the caller removes it.
func (s *Service) spool(body io.Reader, allowed []string, field string) (*os.File, string, int64, error) {
	fileErr := func(code string, args ...any) error { return errs.Fields(errs.Field(field, code, args...)) }
	if body == nil {
		return nil, "", 0, fileErr("required")
	}
	var maxAll int64
	for _, k := range allowed {
		maxAll = max(maxAll, s.opts.Limits[k])
	}
	f, err := os.CreateTemp(s.opts.TempDir, "enforcement-upload-*")
	if err != nil {
		return nil, "", 0, err
	}
	fail := func(err error) (*os.File, string, int64, error) {
		f.Close()
		os.Remove(f.Name())
		return nil, "", 0, err
	}
	size, err := io.Copy(f, io.LimitReader(body, maxAll+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return fail(fileErr("enforcement_file_too_large", maxAll>>20))
		}
		return fail(errs.Wrap(errs.Invalid, "enforcement.error.upload", err))
	}
	if size == 0 {
		return fail(fileErr("enforcement_file_empty"))
	}
	head := make([]byte, filing.SniffLen)
	n, _ := f.ReadAt(head, 0)
	kind := filing.Sniff(head[:n])
	if kind == "" || !slices.Contains(allowed, kind) {
		return fail(fileErr("enforcement_file_type"))
	}
	if limit := s.opts.Limits[kind]; size > limit {
		return fail(fileErr("enforcement_file_too_large", limit>>20))
	}
	if kind == filing.KindPDF {
		data := make([]byte, size)
		if _, err := f.ReadAt(data, 0); err != nil && err != io.EOF {
			return fail(err)
		}
		switch filing.CheckPDF(data) {
		case filing.PDFEncrypted:
			return fail(fileErr("enforcement_pdf_encrypted"))
		case filing.PDFTruncated, filing.PDFCorrupt:
			return fail(fileErr("enforcement_pdf_corrupt"))
		}
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fail(err)
	}
	return f, kind, size, nil
}
