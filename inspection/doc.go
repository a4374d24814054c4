// Package inspection owns double-random, one-public inspections (双随机、一公开): the list
// of inspection matters, the directories of targets and inspectors, tasks, the verifiable
// lottery whose pools live in Redis, and check results with their publication. It
// depends on enforcement and never on app.
package inspection

import _ "embed"

// Specification is LOTTERY.md, the algorithm's description, served to the public so
// that anyone can re-implement the draw from it.
//
//go:embed LOTTERY.md
var Specification string
