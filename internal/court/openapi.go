package court

import (
	_ "embed"
	"encoding/json"
)

//go:embed openapi.json
var openapiJSON []byte

// OpenAPI returns the court context's OpenAPI 3.1 fragment: "paths" (the
// routes of Routes) and "components" → "schemas" (Court, CourtList,
// CourtPeriod, CourtSkippedDay, CourtError). Each call returns a fresh copy
// that the caller may change. The app merges every context's fragment into
// /api/v1/openapi.json.
func OpenAPI() map[string]any {
	var m map[string]any
	if err := json.Unmarshal(openapiJSON, &m); err != nil {
		panic(err) // the embedded file is checked by the package tests
	}
	return m
}
