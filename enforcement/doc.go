// Package enforcement owns who acts and what they act on: agencies and their region tree,
// officers and their certificates, users with roles and scope, the working-day calendar,
// and the append-only activity log. Later parts add cases, legal review and disclosure.
// It knows nothing of HTTP; its store speaks SQL to PostgreSQL through pgx.
package enforcement
