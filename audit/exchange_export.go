package audit

import (
	"context"
	"encoding/csv"
	"io"
	"time"

	"github.com/google/uuid"
	"github.com/xuri/excelize/v2"

	"zhifa/enforcement"
	"zhifa/fault"
)

// CreditDueDays is the deadline, in working days from the decision, by which a penalty
// or licence reaches the credit platform.
const CreditDueDays = 7

// DualRow is one party's row of a decision in the 双公示 field set, with how its push went.
type DualRow struct {
	EventID      uuid.UUID         `json:"event_id"` // the credit event; nil while unpublished
	DisclosureID uuid.UUID         `json:"disclosure_id"`
	Agency       string            `json:"agency"`
	Values       map[string]string `json:"values"`
	DueOn        enforcement.Date  `json:"due_on"`
	PushState    string            `json:"push_state"` // confirmed, pushed, failed, pending, none or unpublished
	PushLabel    string            `json:"push_label"`
	PushedAt     *time.Time        `json:"pushed_at"`
	Receipt      string            `json:"receipt,omitempty"`
	Late         bool              `json:"late"`
	Withdrawn    bool              `json:"withdrawn"`
	Repaired     bool              `json:"repaired"` // its publication ended early (信用修复)
}

// DualExport is the 双公示 file of a period: penalties and licences, and how many were
// late.
type DualExport struct {
	From      enforcement.Date `json:"from"`
	To        enforcement.Date `json:"to"`
	Penalties []DualRow        `json:"penalties"`
	Licenses  []DualRow        `json:"licenses"`
	Late      int              `json:"late"`
}

var pushLabels = map[string]string{"confirmed": "已确认", "pushed": "已推送", "failed": "推送失败", "pending": "待推送",
	"none": "未配置信用平台接收方", "unpublished": "尚未公示，未报送"}

// DualDisclosure lists the penalties and licences decided in [from, to] in the credit
// platform's field set, for the agencies the actor sees (or one of them).
func (s *Service) DualDisclosure(ctx context.Context, a enforcement.Actor, from, to enforcement.Date, agencyID *uuid.UUID) (DualExport, error) {
	if err := a.Require(enforcement.RoleAdmin, enforcement.RoleSupervisor); err != nil {
		return DualExport{}, err
	}
	if to.Before(from) {
		return DualExport{}, fault.Field("to", "截止日期不能早于起始日期")
	}
	if agencyID != nil {
		if _, err := s.Cases.FindAgency(ctx, a, *agencyID); err != nil {
			return DualExport{}, err
		}
	}
	cal, err := s.Cases.Store.Calendar(ctx)
	if err != nil {
		return DualExport{}, err
	}
	prefix := regionOf(a)
	out := DualExport{From: from, To: to, Penalties: []DualRow{}, Licenses: []DualRow{}}
	today := enforcement.DateOf(s.Cases.Now())
	// Every penalty and licence decided in the period, published or not: an unpublished
	// one is the likeliest to be late. How its push went counts credit destinations only.
	const credit = `FROM outbox_deliveries od JOIN exchange_destinations dst ON dst.id = od.destination_id AND dst.format = 'credit'
		WHERE od.event_seq = e.seq`
	rows, _ := s.db.Query(ctx, `SELECT d.id, d.case_id, d.content, d.published_at, d.display_until, d.state = 'withdrawn', d.repaired_on IS NOT NULL,
			c.kind, ag.name, ag.code, e.id,
			(SELECT min(od.sent_at) `+credit+` AND od.state = 'sent'),
			coalesce((SELECT max(od.receipt) `+credit+` AND od.state = 'sent'), ''),
			CASE WHEN e.seq IS NULL THEN 'unpublished'
				WHEN NOT EXISTS (SELECT 1 `+credit+`) THEN 'none'
				WHEN EXISTS (SELECT 1 `+credit+` AND od.state = 'sent') THEN 'pushed'
				WHEN EXISTS (SELECT 1 `+credit+` AND od.state = 'dead') THEN 'failed'
				ELSE 'pending' END
		FROM disclosures d JOIN cases c ON c.id = d.case_id JOIN agencies ag ON ag.id = d.agency_id
		LEFT JOIN LATERAL (SELECT x.seq, x.id FROM outbox_events x WHERE x.subject_id = d.id AND x.topic IN ($1, $2)
			ORDER BY x.seq DESC LIMIT 1) e ON true
		WHERE d.kind = 'decision' AND (c.kind = 'license' OR (c.kind = 'penalty' AND d.content->>'outcome' = 'penalty'))
			AND ag.region_code LIKE $3 || '%' AND ($4::uuid IS NULL OR d.agency_id = $4) AND d.decided_on BETWEEN $5 AND $6
		ORDER BY d.decided_on, c.number`,
		enforcement.TopicCreditPenalty, enforcement.TopicCreditLicense, prefix, agencyID, from, to)
	defer rows.Close()
	for rows.Next() {
		var d enforcement.Disclosure
		var kind enforcement.CaseKind
		var agency, code, receipt, state string
		var event *uuid.UUID
		var pushed *time.Time
		var withdrawn, repaired bool
		if err := rows.Scan(&d.ID, &d.CaseID, &d.Content, &d.PublishedAt, &d.DisplayUntil, &withdrawn, &repaired, &kind, &agency, &code,
			&event, &pushed, &receipt, &state); err != nil {
			return DualExport{}, enforcement.DBError(err, "双公示")
		}
		it := enforcement.CreditItemOf(&d, kind, agency, code)
		if state == "pushed" && receipt != "" {
			state = "confirmed"
		}
		due := cal.AddWorkingDays(it.DecidedOn, CreditDueDays)
		late := (pushed == nil && due.Before(today)) || (pushed != nil && due.Before(enforcement.DateOf(*pushed)))
		_, vals := CreditRows(it)
		for _, v := range vals {
			r := DualRow{DisclosureID: d.ID, Agency: agency, Values: v, DueOn: due, PushState: state,
				PushLabel: pushLabels[state], PushedAt: pushed, Receipt: receipt, Late: late, Withdrawn: withdrawn, Repaired: repaired}
			if event != nil {
				r.EventID = *event
			}
			if kind == "license" {
				out.Licenses = append(out.Licenses, r)
			} else {
				out.Penalties = append(out.Penalties, r)
			}
		}
		if late {
			out.Late++
		}
	}
	return out, enforcement.DBError(rows.Err(), "双公示")
}

// dualTail are the columns after a row's field set: how its push went.
var dualTail = []string{"应报送日期", "报送状态", "报送时间", "回执", "是否逾期", "是否已撤回", "是否已信用修复"}

func dualLine(fields []string, r DualRow) []string {
	line := make([]string, 0, len(fields)+len(dualTail))
	for _, f := range fields {
		line = append(line, r.Values[f])
	}
	at := ""
	if r.PushedAt != nil {
		at = r.PushedAt.In(enforcement.Shanghai()).Format(time.DateTime)
	}
	yes := map[bool]string{true: "是", false: "否"}
	return append(line, r.DueOn.String(), r.PushLabel, at, r.Receipt, yes[r.Late], yes[r.Withdrawn], yes[r.Repaired])
}

// WriteDualCSV writes one kind (penalty or license) of the export as CSV with a BOM, so
// spreadsheet programs read it as UTF-8.
func WriteDualCSV(w io.Writer, x DualExport, kind string) error {
	fields, rows := penaltyFields, x.Penalties
	if kind == "license" {
		fields, rows = licenseFields, x.Licenses
	}
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	_ = cw.Write(append(append([]string{}, fields...), dualTail...))
	for _, r := range rows {
		_ = cw.Write(dualLine(fields, r))
	}
	cw.Flush()
	return cw.Error()
}

// WriteDualXLSX writes the export as a workbook with a sheet for penalties and one for
// licences.
func WriteDualXLSX(w io.Writer, x DualExport) error {
	f := excelize.NewFile()
	defer f.Close()
	sheets := []struct {
		name   string
		fields []string
		rows   []DualRow
	}{{"行政处罚", penaltyFields, x.Penalties}, {"行政许可", licenseFields, x.Licenses}}
	for i, sh := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", sh.name); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(sh.name); err != nil {
			return err
		}
		sw, err := f.NewStreamWriter(sh.name)
		if err != nil {
			return err
		}
		head := append(append([]string{}, sh.fields...), dualTail...)
		rows := [][]any{toAny(head)}
		for _, r := range sh.rows {
			rows = append(rows, toAny(dualLine(sh.fields, r)))
		}
		if err := streamRows(sw, rows); err != nil {
			return err
		}
	}
	return f.Write(w)
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
