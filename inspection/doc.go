// Package inspection owns double-random, one-public inspections (双随机、一公开): the list
// of inspection matters, the directories of targets and inspectors, tasks, the verifiable
// lottery whose pools live in Redis, and check results with their publication. It
// depends on enforcement and never on app.
package inspection
