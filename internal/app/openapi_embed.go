package app

import _ "embed"

// platformOpenAPI documents the platform's and the identity context's routes.
//
//go:embed openapi.json
var platformOpenAPI []byte
