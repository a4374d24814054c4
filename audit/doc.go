// Package audit owns case-file evaluation (案卷评查): rubrics, campaigns, verifiable
// samples, scores and rectification, and the annual figures that rule-of-law reports
// print, counted from the records of the other packages, with their exports.
package audit
