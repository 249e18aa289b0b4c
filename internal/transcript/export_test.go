package transcript

// ParseTranscription exposes the answer parser to the fuzz test.
var ParseTranscription = parseTranscription
