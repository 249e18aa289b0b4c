package delay

import (
	"embed"
	"io/fs"
)

//go:embed messages/*.json
var messagesFS embed.FS

// Messages is the delay message bundle (zh-CN.json, en.json): the field
// error keys ("delay.field.*"), the line kinds ("delay.kind.<Kind>") and the
// period notes (Note* constants). The app passes it to i18n.New.
var Messages fs.FS = func() fs.FS {
	sub, err := fs.Sub(messagesFS, "messages")
	if err != nil {
		panic(err) // the embedded directory always exists
	}
	return sub
}()
