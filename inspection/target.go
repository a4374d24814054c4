package inspection

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"zhifa/enforcement"
	"zhifa/fault"
)

// Target is an entry of the directory of inspection targets (检查对象名录库): a market
// entity keyed by its unified social credit code, with its credit-risk class.
type Target struct {
	TargetInput
	UpdatedAt time.Time `json:"updated_at"`
}

// TargetInput is one row of a bulk import.
type TargetInput struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	Type       string `json:"type"`
	RegionCode string `json:"region_code"`
	Industry   string `json:"industry"`
	Risk       string `json:"risk"`
}

// Rejection names an import row that was not loaded and why.
type Rejection struct {
	Line  int    `json:"line"`
	Code  string `json:"code,omitempty"`
	Error string `json:"error"`
}

// ImportResult counts what a bulk import did.
type ImportResult struct {
	Created   int         `json:"created"`
	Updated   int         `json:"updated"`
	Unchanged int         `json:"unchanged"`
	Rejected  []Rejection `json:"rejected"`
}

// check cleans the row and names the first field that is wrong, within the region the
// importer keeps.
func (in *TargetInput) check(regionPrefix string) string {
	in.Code = strings.ToUpper(strings.TrimSpace(in.Code))
	in.Name, in.Type = strings.TrimSpace(in.Name), strings.TrimSpace(in.Type)
	in.RegionCode, in.Industry = strings.TrimSpace(in.RegionCode), strings.TrimSpace(in.Industry)
	in.Risk = strings.ToUpper(strings.TrimSpace(in.Risk))
	for _, f := range [...]struct{ name, v string }{{"code", in.Code}, {"name", in.Name}, {"type", in.Type},
		{"region_code", in.RegionCode}, {"industry", in.Industry}, {"risk", in.Risk}} {
		if p := enforcement.TextProblem(f.v, false); p != "" {
			return f.name + "：" + p
		}
	}
	switch {
	case !enforcement.ValidCreditCode(in.Code):
		return "code：统一社会信用代码无效（应为 18 位，校验位须正确）"
	case in.Name == "" || utf8.RuneCountInString(in.Name) > 200:
		return "name：请填写名称，不超过 200 字"
	case in.Type == "" || utf8.RuneCountInString(in.Type) > 50:
		return "type：请填写对象类型，不超过 50 字"
	case !regionCode(in.RegionCode):
		return "region_code：行政区划代码应为 6 位数字"
	case !strings.HasPrefix(in.RegionCode, regionPrefix):
		return "region_code：不在本机关所辖区域内"
	case utf8.RuneCountInString(in.Industry) > 50:
		return "industry：行业不超过 50 字"
	case !slices.Contains(Risks, in.Risk):
		return "risk：风险等级应为 A、B、C、D 之一"
	}
	return ""
}

func regionCode(s string) bool {
	if len(s) != 6 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// rowReader yields import rows with the line each starts on.
type rowReader interface {
	next() (line int, in TargetInput, err error) // io.EOF at the end
}

// newRowReader reads a JSON array or a CSV file with a header row, chosen by the
// content type or, when none is given, by the first character.
func newRowReader(r io.Reader, contentType string) (rowReader, error) {
	lc := &lineCounter{r: r}
	br := bufio.NewReaderSize(lc, 1<<16)
	isJSON, err := jsonBody(br, contentType, func() { lc.front++ })
	if err != nil {
		return nil, err
	}
	if isJSON {
		return newJSONRows(br, lc)
	}
	lc.off = true // CSV counts its own lines
	lc.starts = nil
	return newCSVRows(br)
}

// jsonBody says whether a bulk body is a JSON array rather than CSV: by its content type,
// or, when that names neither, by its first character after blanks, which it skips
// (telling skipped of each).
func jsonBody(br *bufio.Reader, contentType string, skipped func()) (bool, error) {
	if strings.Contains(contentType, "json") {
		return true, nil
	}
	if strings.Contains(contentType, "csv") {
		return false, nil
	}
	for {
		b, err := br.Peek(1)
		if err != nil {
			return false, fault.Field("body", "请求体为空")
		}
		if b[0] != ' ' && b[0] != '\n' && b[0] != '\r' && b[0] != '\t' {
			return b[0] == '[', nil
		}
		_, _ = br.ReadByte()
		skipped()
	}
}

// lineCounter remembers where the lines it has passed start, so that a JSON element's
// byte offset can be turned into its line; it forgets lines already asked for, keeping
// memory to what the decoder has buffered.
type lineCounter struct {
	r       io.Reader
	read    int64
	starts  []int64 // offsets of newlines not yet consumed by lineAt
	counted int     // newlines before starts[0]
	front   int64   // offset of bytes dropped before the decoder (leading whitespace)
	off     bool    // stop remembering: nobody will ask
}

func (lc *lineCounter) Read(p []byte) (int, error) {
	n, err := lc.r.Read(p)
	for i := 0; i < n && !lc.off; {
		j := bytes.IndexByte(p[i:n], '\n')
		if j < 0 {
			break
		}
		lc.starts = append(lc.starts, lc.read+int64(i+j))
		i += j + 1
	}
	lc.read += int64(n)
	return n, err
}

// lineAt is the 1-based line holding byte off; calls must not go backwards.
func (lc *lineCounter) lineAt(off int64) int {
	k := 0
	for k < len(lc.starts) && lc.starts[k] < off {
		k++
	}
	lc.counted += k
	lc.starts = lc.starts[k:]
	return lc.counted + 1
}

type jsonRows struct {
	dec *json.Decoder
	lc  *lineCounter
}

func newJSONRows(r io.Reader, lc *lineCounter) (*jsonRows, error) {
	dec := json.NewDecoder(r)
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('[') {
		return nil, fault.Field("body", "JSON 请求体应为对象数组")
	}
	return &jsonRows{dec: dec, lc: lc}, nil
}

func (j *jsonRows) next() (int, TargetInput, error) {
	var in TargetInput
	if !j.dec.More() {
		if _, err := j.dec.Token(); err != nil {
			return 0, in, j.syntax(err)
		}
		return 0, in, io.EOF
	}
	var raw json.RawMessage
	if err := j.dec.Decode(&raw); err != nil {
		return 0, in, j.syntax(err)
	}
	// The decoder's offset is just past the element, which starts len(raw) before it.
	line := j.lc.lineAt(j.lc.front + j.dec.InputOffset() - int64(len(raw)))
	if err := json.Unmarshal(raw, &in); err != nil {
		return line, in, errRow{"行内容应为对象，字段均为文本"}
	}
	return line, in, nil
}

func (j *jsonRows) syntax(err error) error {
	off := j.lc.front + j.dec.InputOffset()
	var se *json.SyntaxError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		off = j.lc.read // the body ended inside an element: its last line
	case errors.As(err, &se):
		off = j.lc.front + se.Offset
	}
	line := j.lc.lineAt(off)
	return fault.Field("body", "第 %d 行附近 JSON 格式错误，未导入任何数据：%v", line, err)
}

// errRow is a fault in one row that rejects the row and keeps the import going.
type errRow struct{ msg string }

func (e errRow) Error() string { return e.msg }

type csvRows struct {
	r     *csv.Reader
	cols  map[string]int
	width int
}

// csvHeaders maps accepted column titles, English and Chinese, to fields.
var csvHeaders = map[string]string{
	"code": "code", "统一社会信用代码": "code", "name": "name", "名称": "name",
	"type": "type", "类型": "type", "对象类型": "type", "region_code": "region_code", "行政区划代码": "region_code", "区划代码": "region_code",
	"industry": "industry", "行业": "industry", "risk": "risk", "风险等级": "risk",
}

func newCSVRows(r io.Reader) (*csvRows, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		return nil, fault.Field("body", "CSV 缺少表头行")
	}
	cols := map[string]int{}
	for i, h := range head {
		h = strings.TrimPrefix(strings.TrimSpace(h), "\ufeff")
		if f, ok := csvHeaders[strings.ToLower(h)]; ok {
			cols[f] = i
		}
	}
	for _, need := range []string{"code", "name", "type", "region_code", "risk"} {
		if _, ok := cols[need]; !ok {
			return nil, fault.Field("body", "CSV 表头缺少 %s 列", need)
		}
	}
	return &csvRows{r: cr, cols: cols, width: len(head)}, nil
}

func (c *csvRows) next() (int, TargetInput, error) {
	rec, err := c.r.Read()
	line, _ := c.r.FieldPos(0)
	var in TargetInput
	if err == io.EOF {
		return 0, in, io.EOF
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return 0, in, fault.Field("body", "第 %d 行 CSV 格式错误，未导入任何数据：%v", pe.Line, pe.Err)
		}
		return 0, in, err
	}
	if len(rec) != c.width {
		return line, in, errRow{"列数不对：表头有 " + strconv.Itoa(c.width) + " 列，本行 " + strconv.Itoa(len(rec)) + " 列"}
	}
	get := func(f string) string {
		if i, ok := c.cols[f]; ok && i < len(rec) {
			return rec[i]
		}
		return ""
	}
	in = TargetInput{Code: get("code"), Name: get("name"), Type: get("type"), RegionCode: get("region_code"),
		Industry: get("industry"), Risk: get("risk")}
	return line, in, nil
}

// copySource feeds valid rows to COPY and keeps the rejected ones.
type copySource struct {
	rows     rowReader
	region   string
	values   []any
	rejected []Rejection
	err      error
}

func (s *copySource) Next() bool {
	for {
		line, in, err := s.rows.next()
		if err == io.EOF {
			return false
		}
		var bad errRow
		if errors.As(err, &bad) {
			s.rejected = append(s.rejected, Rejection{Line: line, Error: bad.msg})
			continue
		}
		if err != nil {
			s.err = err
			return false
		}
		if msg := in.check(s.region); msg != "" {
			s.rejected = append(s.rejected, Rejection{Line: line, Code: in.Code, Error: msg})
			continue
		}
		s.values = []any{int32(line), in.Code, in.Name, in.Type, in.RegionCode, in.Industry, in.Risk}
		return true
	}
}

func (s *copySource) Values() ([]any, error) { return s.values, nil }
func (s *copySource) Err() error             { return s.err }

// TargetFilter narrows the directory.
type TargetFilter struct {
	Q          string
	Risk       string
	Type       string
	RegionCode string
	Industry   string
	Page       enforcement.Page
}
