package app

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"zhifa/enforcement"
	"zhifa/fault"
)

// inputGuard is the one place every string a request carries passes through before a
// handler sees it: the path, each query parameter, each form field and file name, and
// every string of a JSON body, at any depth. Text that breaks enforcement.TextProblem
// (NUL, control characters, invisible format characters, invalid UTF-8) is refused naming
// the field: 400 for the address, 422 for a body. Streamed bodies (evidence files, target
// imports) are read by their handlers, which apply the same rule to what they parse.
func (a *App) inputGuard(c *fiber.Ctx) error {
	if p := enforcement.TextProblem(string(c.Request().URI().Path()), false); p != "" {
		return &fault.Error{Kind: malformed, Field: "path", Message: "请求地址" + p}
	}
	var err error
	c.Request().URI().QueryArgs().VisitAll(func(k, v []byte) {
		if err != nil {
			return
		}
		key := string(k)
		if key == "next" {
			return // a redirect target has its own rule, safeNext, which falls back to "/"
		}
		if p := enforcement.TextProblem(key, false); p != "" {
			err = &fault.Error{Kind: malformed, Field: "query", Message: "查询参数名" + p}
		} else if p := enforcement.TextProblem(string(v), false); p != "" {
			err = &fault.Error{Kind: malformed, Field: key, Message: "查询参数 " + key + "（" + fieldLabel(key) + "）" + p}
		}
	})
	if err != nil {
		return err
	}
	if isStreaming(c) {
		return c.Next()
	}
	ct := string(c.Request().Header.ContentType())
	switch {
	case strings.HasPrefix(ct, fiber.MIMEApplicationForm):
		c.Request().PostArgs().VisitAll(func(k, v []byte) {
			if err == nil && string(k) != "next" {
				err = checkField(string(k), string(v))
			}
		})
	case strings.HasPrefix(ct, fiber.MIMEMultipartForm):
		form, ferr := c.MultipartForm()
		if ferr != nil {
			break // the handler reports a form it cannot read
		}
		for k, vs := range form.Value {
			for _, v := range vs {
				if err == nil {
					err = checkField(k, v)
				}
			}
		}
		for k, fs := range form.File {
			for _, f := range fs {
				if err == nil {
					err = checkField(k+".filename", f.Filename)
				}
			}
		}
	case len(c.Body()) > 0:
		err = checkJSON(c.Body())
	}
	if err != nil {
		return err
	}
	return c.Next()
}

// checkJSON walks a JSON body; a body that is not JSON is left to the handler's parser,
// which says so in its own words.
func checkJSON(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return nil
	}
	return walkJSON("", v)
}

func walkJSON(path string, v any) error {
	switch x := v.(type) {
	case string:
		return checkField(pathOr(path), x)
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys) // the first bad field named is the same every time
		for _, k := range keys {
			e := x[k]
			if p := enforcement.TextProblem(k, false); p != "" {
				return fault.Field(pathOr(path), "字段名%s", p)
			}
			child := k
			if path != "" {
				child = path + "." + k
			}
			if err := walkJSON(child, e); err != nil {
				return err
			}
		}
	case []any:
		for i, e := range x {
			if err := walkJSON(path+"["+strconv.Itoa(i)+"]", e); err != nil {
				return err
			}
		}
	}
	return nil
}

func pathOr(p string) string {
	if p == "" {
		return "body"
	}
	return p
}

// checkField applies the rule to one named value; free-text fields may hold line breaks.
func checkField(path, v string) error {
	key := lastKey(path)
	return enforcement.CheckText(path, fieldLabel(key), v, isFreeText(path))
}

// isFreeText: a field of the free-text list, or any value of a document (fields.<key> in
// the API, f.<key> on the page, seen.<key> as a signer was shown it), whose 笔录 and lists
// run over lines.
func isFreeText(path string) bool {
	return freeText[lastKey(path)] || strings.HasPrefix(path, "fields.") || strings.HasPrefix(path, "f.") || strings.HasPrefix(path, "seen.")
}

// lastKey is the name of a field without its parents and indexes: parties[0].name → name.
func lastKey(path string) string {
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		path = path[i+1:]
	}
	if i := strings.IndexByte(path, '['); i >= 0 {
		path = path[:i]
	}
	return path
}

// freeText names the fields written as paragraphs (textareas, notes, opinions); every
// other string is a single line.
var freeText = map[string]bool{
	"note": true, "text": true, "decision_text": true, "findings": true, "opinion": true, "body": true,
	"holidays": true, "workdays": true, "extra_kinds": true, "legal_basis": true, "powers": true,
	"procedures": true, "remedies": true, "reason": true, "requirement": true, "closing_note": true,
	"detail": true, "description": true, "content": true, "execution": true, "summary": true, "public_reply": true,
	"basis": true, "plan": true, "case_numbers": true, "facts": true, "requirements": true, "conclusion": true, "public_text": true,
	"reason_note": true, "comment": true, "field_names": true,
}

// fieldLabel is a field's name as the people who fill it in know it.
func fieldLabel(key string) string {
	if l, ok := fieldLabels[key]; ok {
		return l
	}
	return "字段"
}

var fieldLabels = map[string]string{
	"username": "用户名", "field_names": "字段名称对照", "password": "密码", "name": "名称", "cause": "案由", "legal_basis": "依据",
	"location": "地点", "address": "地址", "phone": "电话", "id_number": "证件号码", "note": "说明",
	"text": "内容", "decision_text": "决定内容", "findings": "检查发现", "opinion": "审核意见",
	"reason": "理由", "q": "查询词", "title": "标题", "code": "代码", "filename": "文件名",
	"files": "文件", "file": "文件", "execution": "执行情况", "summary": "结案报告",
	"delivery_recipient": "受送达人", "requirement": "整改要求", "witness": "见证输入", "industry": "行业",
	"short_name": "简称", "cert_no": "执法证号", "fields": "执法领域", "body": "正文", "kind": "类型",
	"holidays": "节假日", "workdays": "调休工作日", "powers": "职权", "procedures": "程序", "remedies": "救济途径",
	"stage": "阶段", "result": "结果", "state": "状态", "next": "跳转地址", "target_code": "检查对象代码",
	"item_code": "评查项目", "closing_note": "办结说明", "participants": "参加人员", "region_code": "区划代码",
	"public_reply": "答复", "content": "反映的问题", "concerning": "涉及人员", "complainant": "姓名", "contact": "联系方式",
	"ticket_no": "工单编号", "into": "合并到的线索", "to": "转办机关",
	"basis": "依据", "plan": "工作方案", "facts": "查明的事实", "requirements": "要求", "conclusion": "办结意见",
	"public_text": "典型案例正文", "public_title": "典型案例标题", "due_date": "期限", "action": "决定内容",
	"agency_ids": "被监督单位", "supervisor_ids": "监督人员", "case_numbers": "关联案件编号",
	"firm": "检查对象", "matter_ids": "检查事项", "reason_note": "具体理由", "ordered_by": "上级交办文号", "stars": "评价", "comment": "评价意见",
	"officer_ids": "检查人员", "planned_on": "计划检查日期",
}
