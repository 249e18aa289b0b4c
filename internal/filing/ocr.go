package filing

import (
	"github.com/ecourt/ecourt/internal/identity/idocr"
	"github.com/ecourt/ecourt/internal/platform/errs"
)

// FromIDOCR adapts the identity context's ID-card recognizer (tesseract,
// run off the request path) to Recognizer. A nil r gives nil.
func FromIDOCR(r *idocr.Recognizer) Recognizer {
	if r == nil {
		return nil
	}
	return idocrAdapter{r}
}

type idocrAdapter struct{ r *idocr.Recognizer }

func (a idocrAdapter) Available() bool { return a.r.Available() }

func (a idocrAdapter) Submit(img []byte) (string, error) { return a.r.Submit(img) }

func (a idocrAdapter) Status(id string) (OCRJob, error) {
	j, err := a.r.Status(id)
	if err != nil {
		return OCRJob{}, err
	}
	switch j.State {
	case idocr.JobDone:
		res := OCRResult{Name: j.Result.Name, Sex: j.Result.Sex, Ethnicity: j.Result.Ethnicity, BirthDate: j.Result.BirthDate,
			Address: j.Result.Address, IDNumber: j.Result.IDNumber, Problems: map[string]string{}}
		for name, f := range j.Result.Fields {
			if k := f.MessageKey(); k != "" {
				res.Problems[name] = k
			}
		}
		return OCRJob{State: OCRDone, Result: res}, nil
	case idocr.JobFailed:
		key := "filing.ocr.failed"
		if e, ok := errs.As(j.Err); ok && e.Key != "" {
			key = e.Key
		}
		return OCRJob{State: OCRFailed, ErrKey: key}, nil
	}
	return OCRJob{State: OCRPending}, nil
}
