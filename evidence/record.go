package evidence

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhifa/enforcement"
	"zhifa/fault"
)

// Kind is what a record holds.
type Kind string

// Kinds an officer records; transition and outcome are written by the case engine.
var kinds = map[Kind]string{
	"text": "文字记录", "interview": "询问笔录", "onsite": "现场检查", "photo": "照片", "audio": "录音",
	"video": "录像", "document": "文书", "correction": "更正", "collective": "集体讨论", "transition": "状态变更", "outcome": "复议诉讼结果",
	"attachment": "附件", "measure": "执法措施", "review": "法制审核", "flags": "重大情形标注", "disclosure": "公示", "service": "送达",
}

// systemKinds are written by zhifa itself, never sent by an officer.
var systemKinds = map[Kind]bool{"transition": true, "outcome": true, "attachment": true, "measure": true,
	"review": true, "flags": true, "disclosure": true, "service": true}

// Label is the kind as people read it.
func (k Kind) Label() string { return kinds[k] }

// Record is one entry of a case's full-process record. Its hash covers its content and
// its predecessor's hash, so no entry can change or vanish without breaking the chain.
type Record struct {
	ID         uuid.UUID         `json:"id"`
	CaseID     uuid.UUID         `json:"case_id"`
	Seq        int               `json:"seq"`
	Stage      enforcement.State `json:"stage"`
	Kind       Kind              `json:"kind"`
	Note       string            `json:"note"`
	Data       json.RawMessage   `json:"data"`
	OccurredAt time.Time         `json:"occurred_at"`
	Location   *Location         `json:"location"`
	Corrects   *uuid.UUID        `json:"corrects"`
	AuthorID   *uuid.UUID        `json:"author_id"`
	AuthorName string            `json:"author_name"`
	CreatedAt  time.Time         `json:"created_at"`
	// Canon names the byte form the digests cover (RECORDS.md): zhifa-record-2, or
	// zhifa-record-1 for records written before it, which have no SM3.
	Canon    string `json:"canon"`
	PrevHash string `json:"prev_hash"`
	PrevSM3  string `json:"prev_sm3"`
	Hash     string `json:"hash"` // SHA-256 of the canonical form, hex
	SM3      string `json:"sm3"`  // SM3 of the canonical form, hex
}

// Location is where a record was made, from the phone's position.
type Location struct {
	Lat float64 `json:"lat"`
	Lng float64 `json:"lng"`
}

// canonical1 is what zhifa-record-1 hashes (RECORDS.md §5): Go's encoding/json of these
// fields in this order. Times are UTC at the microsecond precision PostgreSQL keeps.
type canonical1 struct {
	ID         string          `json:"id"`
	CaseID     string          `json:"case_id"`
	Seq        int             `json:"seq"`
	Stage      string          `json:"stage"`
	Kind       string          `json:"kind"`
	Note       string          `json:"note"`
	Data       json.RawMessage `json:"data"`
	OccurredAt string          `json:"occurred_at"`
	Location   *Location       `json:"location"`
	Corrects   *uuid.UUID      `json:"corrects"`
	AuthorID   *uuid.UUID      `json:"author_id"`
	AuthorName string          `json:"author_name"`
	CreatedAt  string          `json:"created_at"`
	PrevHash   string          `json:"prev_hash"`
}

func stamp(t time.Time) string { return t.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano) }

func (r *Record) canonical1() []byte {
	b, _ := json.Marshal(canonical1{
		ID: r.ID.String(), CaseID: r.CaseID.String(), Seq: r.Seq, Stage: string(r.Stage), Kind: string(r.Kind),
		Note: r.Note, Data: r.Data, OccurredAt: stamp(r.OccurredAt), Location: r.Location, Corrects: r.Corrects,
		AuthorID: r.AuthorID, AuthorName: r.AuthorName, CreatedAt: stamp(r.CreatedAt), PrevHash: r.PrevHash,
	})
	return b
}

// canonicalData renders extra data as compact JSON with sorted keys.
func canonicalData(m map[string]any) json.RawMessage {
	if len(m) == 0 {
		return json.RawMessage("{}")
	}
	b, err := json.Marshal(m) // maps marshal with sorted keys
	if err != nil {
		return json.RawMessage("{}")
	}
	return b
}

// RecordInput is what an officer sends to add a record.
type RecordInput struct {
	Stage      enforcement.State `json:"stage"`
	Kind       Kind              `json:"kind"`
	Note       string            `json:"note"`
	OccurredAt time.Time         `json:"occurred_at"`
	Location   *Location         `json:"location"`
	Corrects   *uuid.UUID        `json:"corrects"`
	// Participants of a collective discussion (集体讨论); its note is the conclusion.
	Participants []string `json:"participants"`
	// Capture is set for a record taken without a network and sent when it returned.
	Capture *Capture `json:"capture"`
}

// Capture is how a record taken without a network came about: the phone's clock when it
// was taken and the case's state the phone showed then (RECORDS.md §2.6).
type Capture struct {
	DeviceAt time.Time         `json:"device_at"`
	State    enforcement.State `json:"state"`
}

// data is what the record keeps in its data: a collective discussion's participants; for
// a record taken without a network, its capture, the state the case had moved on to when
// it arrived, and whether the case had ended by then.
func (in *RecordInput) data(current enforcement.State) map[string]any {
	m := map[string]any{}
	if len(in.Participants) > 0 {
		m["participants"] = in.Participants
	}
	if cp := in.Capture; cp != nil {
		m["capture"] = map[string]any{"device_at": stamp2(cp.DeviceAt), "state": string(cp.State)}
		if current != cp.State {
			m["received_in"] = string(current)
		}
		if !current.Open() {
			m["late"] = true
		}
	}
	return m
}

// lateWindow is how long after its case ended a record taken without a network is still
// taken in: a phone back in range within days, not an afterthought months on.
const lateWindow = 30 * 24 * time.Hour

// checkLate, under the case's lock, admits a record to a case in the state it is in now:
// to an ended case only one taken offline while the phone showed it open, soon enough.
func (in *RecordInput) checkLate(st enforcement.State, closedAt *time.Time, now time.Time) error {
	if st.Open() || in.Capture == nil {
		return nil
	}
	if !in.Capture.State.Open() {
		return fault.Field("capture.state", "离线记录须是在案件办理中记下的；案件已%s", st.Label())
	}
	return pastLateWindow(st, closedAt, now)
}

// pastLateWindow refuses what comes from offline for a case ended more than lateWindow
// ago: its record, and before that its files' bytes.
func pastLateWindow(st enforcement.State, closedAt *time.Time, now time.Time) error {
	if st.Open() || closedAt == nil || now.Sub(*closedAt) <= lateWindow {
		return nil
	}
	return fault.New(fault.Conflict, "案件已于 %s %s，已超过 30 日，不再接收离线记录；请与承办机构联系",
		closedAt.In(enforcement.Shanghai()).Format("2006-01-02"), st.Label())
}

// admitTx reads the case's state under the lock the record is written in, admits the
// record to it (checkLate) and answers the data it keeps, which speaks of that state.
func (in *RecordInput) admitTx(ctx context.Context, tx pgx.Tx, caseID uuid.UUID, now time.Time) (json.RawMessage, error) {
	var st enforcement.State
	var closed *time.Time
	if err := tx.QueryRow(ctx, `SELECT state, closed_at FROM cases WHERE id = $1 FOR UPDATE`, caseID).Scan(&st, &closed); err != nil {
		return nil, enforcement.DBError(err, "案件")
	}
	if err := in.checkLate(st, closed, now); err != nil {
		return nil, err
	}
	return canonicalData(in.data(st)), nil
}

// Offline reads back what data says of a record taken without a network.
type Offline struct {
	DeviceAt   time.Time
	State      enforcement.State // the case's state the phone showed
	ReceivedIn enforcement.State // the state it had moved on to, if it had
	Late       bool              // the case had ended when the record arrived
}

// Offline is nil for a record taken online.
func (r Record) Offline() *Offline {
	var d struct {
		Capture *struct {
			DeviceAt time.Time         `json:"device_at"`
			State    enforcement.State `json:"state"`
		} `json:"capture"`
		ReceivedIn enforcement.State `json:"received_in"`
		Late       bool              `json:"late"`
	}
	if len(r.Data) == 0 || json.Unmarshal(r.Data, &d) != nil || d.Capture == nil {
		return nil
	}
	return &Offline{DeviceAt: d.Capture.DeviceAt, State: d.Capture.State, ReceivedIn: d.ReceivedIn, Late: d.Late}
}

// Validate checks the input against the case's current state.
func (in *RecordInput) Validate(current enforcement.State, now time.Time) error {
	in.Note = strings.TrimSpace(in.Note)
	if systemKinds[in.Kind] {
		return fault.Field("kind", "状态变更、复议诉讼结果、附件和执法措施由系统自动记录")
	}
	if _, ok := kinds[in.Kind]; !ok {
		return fault.Field("kind", "记录类型应为 text、interview、onsite、photo、audio、video、document、collective 或 correction")
	}
	if cp := in.Capture; cp != nil {
		if cp.DeviceAt.IsZero() {
			return fault.Field("capture.device_at", "离线记录须带拍摄或记录时手机上的时间")
		}
		if !enforcement.ValidState(cp.State) {
			return fault.Field("capture.state", "未知的办案环节“%s”", cp.State)
		}
		// The record is of the step the phone showed, at the phone's time; a phone whose
		// clock is ahead keeps its own time in capture, as it was.
		in.Stage, in.OccurredAt = cp.State, cp.DeviceAt
		if in.OccurredAt.After(now) {
			in.OccurredAt = now
		}
	}
	if in.Stage == "" {
		in.Stage = current
	}
	if !enforcement.ValidState(in.Stage) {
		return fault.Field("stage", "未知的办案环节“%s”", in.Stage)
	}
	if in.Note == "" && (in.Kind == "text" || in.Kind == "correction") {
		return fault.Field("note", "请填写记录内容")
	}
	if utf8.RuneCountInString(in.Note) > 20000 {
		return fault.Field("note", "记录内容不超过 20000 字")
	}
	if in.Kind == "collective" {
		names := []string{}
		for _, p := range in.Participants {
			if p = strings.TrimSpace(p); p != "" {
				names = append(names, p)
			}
		}
		if len(names) < 3 {
			return fault.Field("participants", "集体讨论须列明参加讨论的机关负责人，不少于三人")
		}
		if in.Note == "" {
			return fault.Field("note", "请填写集体讨论的结论")
		}
		in.Participants = names
	} else if len(in.Participants) > 0 {
		return fault.Field("participants", "只有集体讨论记录填写参加人员")
	}
	if (in.Kind == "correction") != (in.Corrects != nil) {
		return fault.Field("corrects", "更正记录须指明被更正的记录，其他记录不能填写此项")
	}
	if in.OccurredAt.IsZero() {
		in.OccurredAt = now
	}
	if in.OccurredAt.After(now.Add(10 * time.Minute)) {
		return fault.Field("occurred_at", "记录时间不能晚于现在")
	}
	if l := in.Location; l != nil && (l.Lat < -90 || l.Lat > 90 || l.Lng < -180 || l.Lng > 180) {
		return fault.Field("location", "经纬度超出范围")
	}
	return nil
}

// Problem is one break that verification found.
type Problem struct {
	RecordID *uuid.UUID `json:"record_id,omitempty"`
	MediaID  *uuid.UUID `json:"media_id,omitempty"`
	Seq      int        `json:"seq,omitempty"`
	Code     string     `json:"code"`
	Message  string     `json:"message"`
}

// Verification is the result of recomputing a case's chain.
type Verification struct {
	OK             bool      `json:"ok"`
	RecordsChecked int       `json:"records_checked"`
	MediaChecked   int       `json:"media_checked"`
	Problems       []Problem `json:"problems"`
}

// VerifyChain recomputes hashes and links of records ordered by seq, against the head the
// case row keeps.
func VerifyChain(records []Record, headSeq int, headHash string) []Problem {
	return verifyChain(records, headSeq, headHash, caseChain.label)
}

// verifyChain is VerifyChain for the chain of any owner, named in its messages.
func verifyChain(records []Record, headSeq int, headHash, owner string) []Problem {
	problems := []Problem{}
	prev, prevSM3, want := "", "", 1
	for i := range records {
		r := &records[i]
		id := r.ID
		if r.Seq != want {
			problems = append(problems, Problem{RecordID: &id, Seq: r.Seq, Code: "missing_record",
				Message: "缺少第 " + strconv.Itoa(want) + " 至 " + strconv.Itoa(r.Seq-1) + " 条记录"})
		}
		sha, sm, err := r.Digests()
		switch {
		case err != nil:
			problems = append(problems, Problem{RecordID: &id, Seq: r.Seq, Code: "hash_mismatch",
				Message: "第 " + strconv.Itoa(r.Seq) + " 条记录无法按其规范形式（" + r.Canon + "）重算哈希，记录已被改动"})
		case sha != r.Hash:
			problems = append(problems, Problem{RecordID: &id, Seq: r.Seq, Code: "hash_mismatch",
				Message: "第 " + strconv.Itoa(r.Seq) + " 条记录的内容与其哈希不符（存储 " + short(r.Hash) + "，重算 " + short(sha) + "），记录已被改动"})
		case sm != r.SM3:
			problems = append(problems, Problem{RecordID: &id, Seq: r.Seq, Code: "sm3_mismatch",
				Message: "第 " + strconv.Itoa(r.Seq) + " 条记录的内容与其 SM3 摘要不符（存储 " + short(r.SM3) + "，重算 " + short(sm) + "），记录已被改动"})
		}
		if r.PrevHash != prev {
			problems = append(problems, Problem{RecordID: &id, Seq: r.Seq, Code: "chain_break",
				Message: "第 " + strconv.Itoa(r.Seq) + " 条记录指向的前一哈希 " + short(r.PrevHash) + " 与前一条记录 " + short(prev) + " 不符"})
		} else if r.Canon == CanonV2 && r.PrevSM3 != prevSM3 {
			problems = append(problems, Problem{RecordID: &id, Seq: r.Seq, Code: "chain_break",
				Message: "第 " + strconv.Itoa(r.Seq) + " 条记录指向的前一 SM3 摘要 " + short(r.PrevSM3) + " 与前一条记录 " + short(prevSM3) + " 不符"})
		}
		prev, prevSM3, want = r.Hash, r.SM3, r.Seq+1
	}
	if headSeq != want-1 || headHash != prev {
		problems = append(problems, Problem{Seq: headSeq, Code: "head_mismatch",
			Message: owner + "登记的最后一条记录为第 " + strconv.Itoa(headSeq) + " 条（" + short(headHash) + "），实际为第 " + strconv.Itoa(want-1) + " 条（" + short(prev) + "），记录可能被删除"})
	}
	return problems
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	if h == "" {
		return "（空）"
	}
	return h
}
