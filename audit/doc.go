// Package audit owns case-file evaluation (案卷评查): rubrics, campaigns, verifiable
// samples, scores and rectification, and the annual figures that rule-of-law reports
// print, counted from the records of the other packages, with their exports.
package audit

import _ "embed"

// Specification is SAMPLE.md, the sampling algorithm's description, served to the public
// so that anyone can check a campaign's choice of files.
//
//go:embed SAMPLE.md
var Specification string

// ExchangeSpecification is EXCHANGE.md, what a destination of the data exchange receives,
// served to the public so that a receiver can be built from it.
//
//go:embed EXCHANGE.md
var ExchangeSpecification string
