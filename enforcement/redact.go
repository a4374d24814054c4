package enforcement

import (
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Redaction is the one engine every public page and public JSON goes through: a natural
// person's name becomes its first character and *, resident ID numbers keep their first
// and last four characters, and a natural person's address, phone numbers, e-mail and
// bank accounts are removed. Organisations appear in full.
//
// Free text is matched on a normalised copy (NFKC, so full-width digits and ＠ count;
// separators and spaces inside digit runs ignored) that maps back to the original bytes:
// only the matched spans are replaced, the rest stays exactly as written (NFKC would
// turn ，into , in the prose). Whoever the data belongs to, the engine removes what is
// shaped like an ID number, a mobile or landline number (with +86/0086/86, brackets,
// separators, an extension), an e-mail address, a number after a contact word (电话
// 8123456, QQ 12345678) or a bank account (a run of 12 or more digits; 12 to 30 when
// grouped like a card). Digit groups are never split: a run is taken whole or not at all.
//
// It keeps what is not personal: 400/800 numbers (businesses'), case, statute and article
// numbers, amounts, dates, times, percentages, and organisations' and products' numbers —
// long runs glued to ASCII letters (licences such as JY13607990012345, credit codes) or
// after a code word (条码, 批号, 注册号, 许可证号, 信用代码), and the declared
// organisations' own codes. An all-digit credit code of an undeclared organisation is
// removed like an account.
//
// The parties' own data is removed wherever it appears: their phone and ID digits even
// inside longer runs, a landline also without its area code, and their declared address
// from the village, community, road or street level down, together with the declared
// levels that follow it, or the whole address where it appears in full. 省/市/县/区 and
// 镇/乡/街道 stay: they name public divisions and the agencies in them.
type Redaction struct {
	names     []personName // longest first
	addresses []address
	numbers   []string        // persons' phones and ID numbers: removed wherever their digits appear
	ids       map[string]bool // which numbers are whole ID numbers, masked like one when alone
	locals    map[string]bool // persons' landlines without the area code: removed as a whole run
	orgNames  []string        // never masked, so a sole trader named after its owner stays whole
	orgCodes  map[string]bool // organisations' all-digit codes, never taken for an account
}

// Removed stands where personal data was taken out.
const Removed = "（已隐去）"

type personName struct{ key, mask string }

const maxAddressLevels = 32

type address struct {
	full   string   // the whole address, matching form
	tokens []string // split after the suffix of each administrative level
	lower  int      // first token below the township: from here on it is masked
	named  []bool   // the token names a place (not just a number), so it may stand alone
}

var (
	mobileRe   = regexp.MustCompile(`^(?:0086|86)?1[3-9]\d{9}$`)
	landlineRe = regexp.MustCompile(`^(?:0|(?:00)?860?)(?:10|2\d|[3-9]\d\d)\d{7,8}$`)
	// Birth dates are checked so that other 18-digit numbers count as accounts, which are
	// removed; an X at the end makes it an ID number whatever the date.
	id18Re    = regexp.MustCompile(`^[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dX]$|^[1-9]\d{16}X$`)
	id15Re    = regexp.MustCompile(`^[1-9]\d{7}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}$`)
	serviceRe = regexp.MustCompile(`^[48]00\d{7}$`)
	emailRe   = regexp.MustCompile(`[A-Za-z0-9._%+\-]+ ?@ ?(?:[A-Za-z0-9\-]+ ?\. ?)+[A-Za-z]{2,}`)
	extRe     = regexp.MustCompile(`^(?:转分机|分机号?|转|(?i:ext)\.?|[xX]) ?\d{1,6}`)
)

// Words that introduce a contact number, with the digits it needs to be taken for one
// without an area code: 7 for a local number, 5 for a QQ number.
var contactWords = []struct {
	word string
	min  int
}{
	{"电话", 7}, {"电话号码", 7}, {"手机", 7}, {"手机号", 7}, {"手机号码", 7}, {"座机", 7}, {"固话", 7},
	{"传真", 7}, {"联系方式", 7}, {"tel", 7}, {"tel.", 7}, {"fax", 7}, {"qq", 5}, {"qq号", 5}, {"qq号码", 5},
	{"微信", 5}, {"微信号", 5},
}

// Words that introduce an organisation's or a product's number, which is kept even when
// it is as long as an account or shaped like an ID number.
var codeWords = []string{"条码", "条形码", "批号", "注册号", "许可证号", "许可证编号", "信用代码"}

const (
	levelUpper = iota // 省 市 县 区 …: kept
	levelTown         // 镇 乡 街道: kept
	levelLower        // 村 社区 路 街 号 …: masked
)

// Suffixes of address levels; longer ones are tried first so that 小区 is not read as 区.
var addrSuffixes = func() []struct {
	text  string
	level int
} {
	s := []struct {
		text  string
		level int
	}{
		{"特别行政区", levelUpper}, {"自治区", levelUpper}, {"自治州", levelUpper}, {"自治县", levelUpper},
		{"自治旗", levelUpper}, {"地区", levelUpper}, {"开发区", levelUpper}, {"高新区", levelUpper}, {"新区", levelUpper},
		{"省", levelUpper}, {"市", levelUpper}, {"州", levelUpper}, {"盟", levelUpper}, {"县", levelUpper},
		{"区", levelUpper}, {"旗", levelUpper},
		{"街道", levelTown}, {"办事处", levelTown}, {"苏木", levelTown}, {"镇", levelTown}, {"乡", levelTown},
		{"居委会", levelLower}, {"村委会", levelLower}, {"社区", levelLower}, {"小区", levelLower},
		{"新村", levelLower}, {"村", levelLower}, {"屯", levelLower}, {"组", levelLower}, {"队", levelLower},
		{"大道", levelLower}, {"大街", levelLower}, {"胡同", levelLower}, {"路", levelLower}, {"街", levelLower},
		{"巷", levelLower}, {"弄", levelLower}, {"里", levelLower}, {"花园", levelLower}, {"苑", levelLower},
		{"大厦", levelLower}, {"公寓", levelLower}, {"广场", levelLower}, {"号楼", levelLower}, {"号院", levelLower},
		{"号", levelLower}, {"栋", levelLower}, {"幢", levelLower}, {"座", levelLower}, {"单元", levelLower},
		{"楼", levelLower}, {"层", levelLower}, {"室", levelLower}, {"户", levelLower},
	}
	sort.SliceStable(s, func(i, j int) bool {
		return utf8.RuneCountInString(s[i].text) > utf8.RuneCountInString(s[j].text)
	})
	return s
}()

// NewRedaction prepares the engine for a case's parties.
func NewRedaction(parties []Party) *Redaction {
	r := &Redaction{ids: map[string]bool{}, locals: map[string]bool{}, orgCodes: map[string]bool{}}
	for _, p := range parties {
		switch p.Type {
		case "org":
			if k := compactKey(p.Name); utf8.RuneCountInString(k) >= 2 {
				r.orgNames = append(r.orgNames, k)
			}
			if c := strings.ToUpper(compactKey(p.IDNumber)); isDigitsX(c) {
				r.orgCodes[c] = true
			}
		case "person":
			if k := compactKey(p.Name); isName(k) {
				r.names = append(r.names, personName{key: k, mask: MaskName(p.Name)})
			}
			if a, ok := newAddress(p.Address); ok {
				r.addresses = append(r.addresses, a)
			}
			numbers, locals := phoneNumbers(p.Phone)
			r.numbers = append(r.numbers, numbers...)
			for _, l := range locals {
				r.locals[l] = true
			}
			if id := idKey(p.IDNumber); id != "" {
				r.numbers = append(r.numbers, id)
				r.ids[id] = true
				if d := strings.TrimSuffix(id, "X"); d != id && len(d) >= 7 {
					// The digits alone, for an ID whose X is glued to a following word.
					r.numbers = append(r.numbers, d)
				}
			}
		}
	}
	sort.SliceStable(r.names, func(i, j int) bool { return len(r.names[i].key) > len(r.names[j].key) })
	return r
}

// MaskName keeps a person's surname: 张三 → 张*.
func MaskName(name string) string {
	name = strings.TrimSpace(name)
	if name == "" {
		return ""
	}
	r, _ := utf8.DecodeRuneInString(name)
	return string(r) + "*"
}

// MaskID keeps the first and last four characters of an ID number, taken in its
// normalised form (half-width, without spaces or separators, X in capitals).
func MaskID(id string) string {
	var k []rune
	for _, c := range strings.ToUpper(compactKey(id)) {
		if !isSepRune(c) {
			k = append(k, c)
		}
	}
	if len(k) <= 8 {
		return strings.Repeat("*", len(k))
	}
	return string(k[:4]) + strings.Repeat("*", len(k)-8) + string(k[len(k)-4:])
}

// Party is how a party appears in public: organisations in full, persons masked and
// without address or phone.
func (r *Redaction) Party(p Party) Party {
	if p.Type == "org" {
		// An organisation's name, code and representative are public in its registration.
		return Party{Type: p.Type, Name: p.Name, IDNumber: p.IDNumber, LegalRep: p.LegalRep}
	}
	return Party{Type: p.Type, Name: MaskName(p.Name), IDNumber: MaskID(p.IDNumber)}
}

// Text redacts free text. Masking can change what a neighbour looks like (digits glued
// to an e-mail address lose their letter once it goes), so the text is redacted again
// until nothing changes; usually the second pass only confirms. Text is idempotent.
func (r *Redaction) Text(s string) string {
	for range maxPasses {
		out := r.pass(s)
		if out == s {
			break
		}
		s = out
	}
	return s
}

// maxPasses bounds Text; every pass that changes the text turns some of it into marks
// that are never matched again, so a handful is plenty.
const maxPasses = 8

func (r *Redaction) pass(s string) string {
	if s == "" {
		return s
	}
	v := newView(s)
	cv := v.compact()
	clusters := scanClusters(v.s)

	var groups [][2]int // every digit group, in original bytes
	for _, c := range clusters {
		for _, g := range c.groups {
			groups = append(groups, [2]int{v.start[g[0]], v.end[g[1]-1]})
		}
	}
	// Removed marks already in the text, and organisations' names, are left alone by the
	// name and address matchers; otherwise a second pass would find words inside them.
	var keepOut [][2]int
	for from := 0; ; {
		x := strings.Index(s[from:], Removed)
		if x < 0 {
			break
		}
		keepOut = append(keepOut, [2]int{from + x, from + x + len(Removed)})
		from += x + len(Removed)
	}
	for _, o := range r.orgNames {
		for _, x := range indexAll(cv.s, o) {
			a, b := cv.orig(x, x+len(o))
			keepOut = append(keepOut, [2]int{a, b})
		}
	}
	free := disjoint(keepOut)

	// Words first: whether digits touch a letter depends on what becomes of the letter.
	var spans, removed [][2]int
	var out []span
	for _, m := range emailIndex(v.s) {
		a, b := v.orig(m[0], m[1])
		removed = append(removed, [2]int{a, b})
	}
	for _, ad := range r.addresses {
		for _, m := range ad.find(cv.s) {
			if a, b := cv.orig(m[0], m[1]); free(a, b) {
				a, b = wholeGroups(groups, a, b)
				removed = append(removed, [2]int{a, b})
			}
		}
	}
	for _, m := range removed {
		out = append(out, span{a: m[0], b: m[1], repl: Removed})
	}
	// Names: leftmost, then longest, so that overlapping names do not merge into Removed.
	var names []span
	for _, n := range r.names {
		for _, x := range indexAll(cv.s, n.key) {
			if a, b := cv.orig(x, x+len(n.key)); free(a, b) {
				names = append(names, span{a: a, b: b, repl: n.mask})
			}
		}
	}
	sort.Slice(names, func(i, j int) bool {
		if names[i].a != names[j].a {
			return names[i].a < names[j].a
		}
		return names[i].b > names[j].b
	})
	end := -1
	for _, n := range names {
		if n.a >= end {
			out = append(out, n)
			spans = append(spans, [2]int{n.a, n.b})
			end = n.b
		}
	}
	spans = append(spans, removed...)
	untouched, notRemoved := disjoint(spans), disjoint(removed)

	// A letter that is masked does not make the digits next to it a code: a name keeps
	// its first letter only, and a Removed mark has none.
	numEnd := 0
	for i := range clusters {
		c := &clusters[i]
		if p := c.groups[0][0] - 1; c.letterBefore && (v.start[p] < numEnd || !untouched(v.start[p], v.start[p]+1)) {
			c.letterBefore = false
		}
		if p := c.groups[len(c.groups)-1][1]; c.letterAfter && !notRemoved(v.start[p], v.start[p]+1) {
			c.letterAfter = false
		}
		n := len(out)
		out = r.numberSpans(&v, c, out)
		for _, sp := range out[n:] {
			numEnd = max(numEnd, sp.b)
		}
	}
	return replaceSpans(s, out)
}

func emailIndex(s string) [][2]int {
	if !strings.Contains(s, "@") {
		return nil
	}
	var out [][2]int
	for _, m := range emailRe.FindAllStringIndex(s, -1) {
		out = append(out, [2]int{m[0], m[1]})
	}
	return out
}

// disjoint returns a test of whether a span misses all the given ones, in log time, for
// texts full of them.
func disjoint(ranges [][2]int) func(a, b int) bool {
	sort.Slice(ranges, func(i, j int) bool { return ranges[i][0] < ranges[j][0] })
	reach := make([]int, len(ranges)) // the furthest end among ranges[:i+1]
	for i, r := range ranges {
		reach[i] = r[1]
		if i > 0 {
			reach[i] = max(reach[i], reach[i-1])
		}
	}
	return func(a, b int) bool {
		m := sort.Search(len(ranges), func(i int) bool { return ranges[i][0] >= b })
		return m == 0 || reach[m-1] <= a
	}
}

// span is a part of the original text and what stands in its place.
type span struct {
	a, b int
	repl string
}

// replaceSpans writes s with the spans replaced; spans that overlap become one Removed.
func replaceSpans(s string, spans []span) string {
	if len(spans) == 0 {
		return s
	}
	sort.Slice(spans, func(i, j int) bool {
		if spans[i].a != spans[j].a {
			return spans[i].a < spans[j].a
		}
		return spans[i].b > spans[j].b
	})
	var out strings.Builder
	out.Grow(len(s))
	last := 0
	for i := 0; i < len(spans); {
		cur := spans[i]
		for i++; i < len(spans) && spans[i].a < cur.b; i++ {
			if spans[i] != cur {
				cur.b = max(cur.b, spans[i].b)
				cur.repl = Removed
			}
		}
		if cur.a >= cur.b {
			continue
		}
		out.WriteString(s[last:cur.a])
		out.WriteString(cur.repl)
		last = cur.b
	}
	out.WriteString(s[last:])
	return out.String()
}

// wholeGroups widens a span that cuts a digit group so that it takes the whole group:
// half a number left behind could read as another number.
func wholeGroups(groups [][2]int, a, b int) (int, int) {
	i := sort.Search(len(groups), func(i int) bool { return groups[i][1] > a })
	if i < len(groups) && groups[i][0] < a {
		a = groups[i][0]
	}
	j := sort.Search(len(groups), func(j int) bool { return groups[j][1] >= b })
	if j < len(groups) && groups[j][0] < b && b < groups[j][1] {
		b = groups[j][1]
	}
	return a, b
}

func indexAll(s, sub string) []int {
	var at []int
	if sub == "" {
		return nil
	}
	_, w := utf8.DecodeRuneInString(sub)
	for from := 0; ; {
		x := strings.Index(s[from:], sub)
		if x < 0 {
			return at
		}
		at = append(at, from+x)
		from += x + w
	}
}

// view is a normalised copy of a text; every byte of it knows the original bytes (a
// whole rune) it came from.
type view struct {
	s          string
	start, end []int
}

func (v *view) orig(a, b int) (int, int) { return v.start[a], v.end[b-1] }

func newView(text string) view {
	b := make([]byte, 0, len(text))
	start := make([]int, 0, len(text))
	end := make([]int, 0, len(text))
	var scratch []byte
	for i := 0; i < len(text); {
		r, w := utf8.DecodeRuneInString(text[i:])
		n := len(b)
		b, scratch = appendFolded(b, r, scratch)
		for k := n; k < len(b); k++ {
			start = append(start, i)
			end = append(end, i+w)
		}
		i += w
	}
	return view{s: string(b), start: start, end: end}
}

// compact drops white space, for names and addresses written with spaces inside.
func (v *view) compact() view {
	c := view{start: make([]int, 0, len(v.start)), end: make([]int, 0, len(v.end))}
	var b strings.Builder
	for i, r := range v.s {
		if unicode.IsSpace(r) {
			continue
		}
		b.WriteRune(r)
		for k := 0; k < utf8.RuneLen(r); k++ {
			c.start = append(c.start, v.start[i+k])
			c.end = append(c.end, v.end[i+k])
		}
	}
	c.s = b.String()
	return c
}

// appendFolded appends the matching form of one rune: its NFKC form taken alone, digits
// of any script as ASCII digits, dashes as '-', middle dots as '.', and invisible
// characters dropped (they could hide a number from the matcher).
func appendFolded(b []byte, r rune, scratch []byte) ([]byte, []byte) {
	switch {
	case r < utf8.RuneSelf:
		return append(b, byte(r)), scratch
	case r >= 0x4E00 && r <= 0x9FFF: // CJK ideographs are their own NFKC form
		return utf8.AppendRune(b, r), scratch
	}
	var enc [utf8.UTFMax]byte
	n := utf8.EncodeRune(enc[:], r)
	scratch = norm.NFKC.Append(scratch[:0], enc[:n]...)
	for _, c := range string(scratch) {
		switch {
		case c < utf8.RuneSelf:
			b = append(b, byte(c))
		case unicode.IsDigit(c):
			b = append(b, byte('0'+digitValue(c)))
		case c >= 0x2010 && c <= 0x2015, c == 0x2212, c == 0x2E3A, c == 0x2E3B, c == 0x30FC, c == 0xFE58, c == 0xFE63, c == 0xFF0D:
			b = append(b, '-')
		case c == 0x00B7, c == 0x2027, c == 0x2219, c == 0x22C5, c == 0x30FB, c == 0xFF65:
			b = append(b, '.')
		case c == 0x00AD, c == 0x034F, c == 0x180E, c >= 0x200B && c <= 0x200F, c >= 0x2060 && c <= 0x2064, c == 0xFEFF:
		default:
			b = utf8.AppendRune(b, c)
		}
	}
	return b, scratch
}

// digitValue reads a decimal digit of any script: Unicode encodes each script's digits
// as a run from 0 to 9, so the value is the count of digits before it, modulo 10.
func digitValue(r rune) int {
	n := 0
	for n < 100 && unicode.IsDigit(r-rune(n)-1) {
		n++
	}
	return n % 10
}

// compactKey is the matching form of a declared value: folded, without white space.
func compactKey(s string) string {
	v := newView(strings.TrimSpace(s))
	return v.compact().s
}

func isDigit(b byte) bool       { return b >= '0' && b <= '9' }
func isLetter(b byte) bool      { return b|0x20 >= 'a' && b|0x20 <= 'z' }
func isSep(b byte) bool         { return b == ' ' || b == '.' || b == '-' || b == '(' || b == ')' }
func isSepRune(r rune) bool     { return r < utf8.RuneSelf && isSep(byte(r)) }
func isDigitsX(s string) bool   { return isAllDigits(strings.TrimSuffix(s, "X")) }
func isAllDigits(s string) bool { return s != "" && strings.Trim(s, "0123456789") == "" }

// isName accepts a name worth searching for: two or more letters, and no mark that the
// engine writes itself, so that masked text is never matched again.
func isName(k string) bool {
	if utf8.RuneCountInString(k) < 2 {
		return false
	}
	for i, c := range k {
		if !(unicode.IsLetter(c) || (i > 0 && (unicode.IsMark(c) || c == '.'))) {
			return false
		}
	}
	return true
}

// idKey is the matching form of a declared ID number, or "" when it is not one.
func idKey(s string) string {
	var b strings.Builder
	for _, c := range strings.ToUpper(compactKey(s)) {
		if !isSepRune(c) {
			b.WriteRune(c)
		}
	}
	k := b.String()
	if len(k) < 7 || !isDigitsX(k) {
		return ""
	}
	return k
}

// phoneNumbers reads a declared phone field (which may hold several numbers): the
// numbers, also without a country code, and the local parts of landlines.
func phoneNumbers(s string) (numbers, locals []string) {
	v := newView(s)
	for _, c := range scanClusters(v.s) {
		d := strings.TrimSuffix(c.joined, "X")
		if len(d) < 7 || !isAllDigits(d) {
			continue
		}
		numbers = append(numbers, d)
		for _, cc := range []string{"0086", "86"} {
			if rest := strings.TrimPrefix(d, cc); rest != d && len(rest) >= 7 {
				numbers = append(numbers, rest)
				d = rest
				break
			}
		}
		if d[0] == '0' && landlineRe.MatchString(d) {
			area := 4
			if d[1] == '1' || d[1] == '2' {
				area = 3
			}
			if len(d)-area >= 7 {
				locals = append(locals, d[area:])
			}
		}
	}
	return numbers, locals
}

// cluster is a run of digit groups joined by separators: 139 1234 5678, (0797)8123456.
type cluster struct {
	first        int      // where the prefix ('(' or '+') or the first digit is
	paren, plus  bool     // an opening bracket or a plus sign stands before the digits
	groups       [][2]int // view spans of the digits; an ID's final X belongs to its group
	seps         []string // what stands between consecutive groups
	joined       string   // the digits together, X in capitals
	off          []int    // where each group starts in joined, and its length at the end
	letterBefore bool     // an ASCII letter touches the run: part of a code
	letterAfter  bool
	contact      int  // digits a number needs after a contact word; 0 without one
	code         bool // a code word stands before the run
}

// scanClusters finds the digit runs of a view. Separators are a space, '.', '-' and
// brackets, up to three in a row.
func scanClusters(s string) []cluster {
	var out []cluster
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			i++
			continue
		}
		c := cluster{first: i}
		var joined strings.Builder
		j := i
		for {
			a := j
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			// Whatever follows but a letter, so that masking what follows cannot change it.
			if j < len(s) && (s[j] == 'X' || s[j] == 'x') && !(j+1 < len(s) && isLetter(s[j+1])) {
				j++
			}
			c.off = append(c.off, joined.Len())
			joined.WriteString(strings.ToUpper(s[a:j]))
			c.groups = append(c.groups, [2]int{a, j})
			k := j
			for k < len(s) && k-j < 3 && isSep(s[k]) {
				k++
			}
			if k > j && k < len(s) && isDigit(s[k]) {
				c.seps = append(c.seps, s[j:k])
				j = k
				continue
			}
			break
		}
		c.off = append(c.off, joined.Len())
		c.joined = joined.String()
		lead := i
		if lead > 0 && s[lead-1] == '+' {
			c.plus = true
			lead--
		}
		c.first = lead
		if lead > 0 && s[lead-1] == '(' && len(c.seps) > 0 && c.seps[0][0] == ')' {
			c.paren = true
			c.first--
		}
		c.letterBefore = i > 0 && isLetter(s[i-1])
		c.letterAfter = j < len(s) && isLetter(s[j])
		q := c.first
		for q > 0 && (s[q-1] == ' ' || s[q-1] == ':' || s[q-1] == '(') {
			q--
		}
		before := strings.ToLower(s[max(0, q-16):q])
		for _, w := range contactWords {
			if strings.HasSuffix(before, w.word) {
				c.contact = w.min
			}
		}
		for _, w := range codeWords {
			c.code = c.code || strings.HasSuffix(before, w)
		}
		out = append(out, c)
		i = j
	}
	return out
}

const (
	kindNone = iota
	kindKeep
	kindID
	kindPhone
	kindRemove
)

// numberSpans redacts one digit run: first the parties' own numbers wherever their
// digits appear, then, between them, the longest ranges of groups shaped like an ID or
// a phone number, then like an account. Groups are never split, so nothing is half taken.
func (r *Redaction) numberSpans(v *view, c *cluster, spans []span) []span {
	k := len(c.groups)
	declared := make([]bool, k)
	for _, p := range r.numbers {
		for _, x := range indexAll(c.joined, p) {
			if x == 0 && len(p) == len(c.joined) && r.ids[p] {
				a, b := v.orig(r.rangeSpan(v, c, 0, k-1, kindID))
				return append(spans, span{a: a, b: b, repl: MaskID(c.joined)})
			}
			g := sort.Search(k, func(g int) bool { return c.off[g+1] > x })
			for ; g < k && c.off[g] < x+len(p); g++ {
				declared[g] = true
			}
		}
	}
	for i := 0; i < k; {
		j := i
		for j+1 < k && declared[j+1] == declared[i] {
			j++
		}
		if declared[i] {
			a, b := v.orig(r.rangeSpan(v, c, i, j, kindRemove))
			spans = append(spans, span{a: a, b: b, repl: Removed})
		} else {
			spans = r.shapedSpans(v, c, i, j, spans)
		}
		i = j + 1
	}
	return spans
}

// shapedSpans redacts groups lo..hi of a run by their shape.
func (r *Redaction) shapedSpans(v *view, c *cluster, lo, hi int, spans []span) []span {
	for i := lo; i <= hi; {
		j, kind := r.best(c, i, hi)
		switch kind {
		case kindNone:
			i++
			continue
		case kindID:
			repl := Removed
			if i == 0 && j == len(c.groups)-1 && lo == 0 && hi == j {
				// Alone, an ID number is shown as the Party shows it; next to other digits
				// its kept ends could join them into another number, so it goes whole.
				repl = MaskID(c.joined)
			}
			a, b := v.orig(r.rangeSpan(v, c, i, j, kind))
			spans = append(spans, span{a: a, b: b, repl: repl})
		case kindPhone, kindRemove:
			a, b := v.orig(r.rangeSpan(v, c, i, j, kind))
			spans = append(spans, span{a: a, b: b, repl: Removed})
		}
		i = j + 1
	}
	return spans
}

// best finds the longest range of groups from i that is an ID or phone number, or else
// the longest that is an account.
func (r *Redaction) best(c *cluster, i, hi int) (int, int) {
	for _, accounts := range []bool{false, true} {
		for j := min(hi, i+11); j >= i; j-- {
			if j > i && c.off[j+1]-c.off[i] > 40 {
				continue
			}
			if kind := r.kind(c, i, j, accounts); kind != kindNone {
				return j, kind
			}
		}
	}
	return i, kindNone
}

func (r *Redaction) kind(c *cluster, i, j int, accounts bool) int {
	whole := c.joined[c.off[i]:c.off[j+1]]
	code := i == 0 && c.code
	if !accounts {
		if r.orgCodes[whole] {
			return kindKeep
		}
		if !code && (len(whole) == 18 && id18Re.MatchString(whole) || len(whole) == 15 && id15Re.MatchString(whole)) {
			return kindID
		}
	}
	d, letterAfter := whole, j == len(c.groups)-1 && c.letterAfter
	if x := strings.TrimSuffix(d, "X"); x != d {
		// An X that does not end an ID number is a letter glued to the digits.
		d, letterAfter = x, true
	}
	n := len(d)
	if n == 0 || strings.Contains(d, "X") {
		return kindNone
	}
	if accounts {
		if n < 12 || code || (i == 0 && c.letterBefore) || letterAfter {
			return kindNone
		}
		if i == j {
			return kindRemove
		}
		if n > 30 {
			return kindNone
		}
		for g := i; g <= j; g++ {
			l := c.off[g+1] - c.off[g]
			if l > 6 || (g < j && l < 3) {
				return kindNone
			}
		}
		return kindRemove
	}
	switch {
	case n >= 11 && n <= 15 && mobileRe.MatchString(d), n >= 10 && n <= 15 && landlineRe.MatchString(d):
		return kindPhone
	case j > i && c.seps[j-1] == "-" && c.off[j+1]-c.off[j] <= 6 && landlineRe.MatchString(c.joined[c.off[i]:c.off[j]]):
		return kindPhone // with an extension
	case r.locals[d]:
		return kindRemove
	case i == 0 && j == 0 && c.contact > 0 && n >= c.contact && n <= 12 && !serviceRe.MatchString(d):
		return kindRemove
	}
	return kindNone
}

// rangeSpan is the view span of groups i..j, with the bracket or plus sign that opens
// them and, for a phone number ending the run, an extension written after it.
func (r *Redaction) rangeSpan(v *view, c *cluster, i, j, kind int) (int, int) {
	a, b := c.groups[i][0], c.groups[j][1]
	closes := j > i && c.seps[i][0] == ')'
	if kind == kindID {
		// What stays of an ID must not meet digits a plus sign or bracket kept apart.
		return a, b
	}
	if i == 0 {
		if c.plus {
			a--
		}
		if c.paren && closes {
			a--
		}
	} else if strings.HasSuffix(c.seps[i-1], "(") && closes {
		a--
	}
	if kind == kindPhone && j == len(c.groups)-1 {
		if m := extRe.FindString(v.s[b:]); m != "" && (b+len(m) == len(v.s) || !isDigit(v.s[b+len(m)])) {
			b += len(m)
		}
	}
	return a, b
}

// newAddress splits a person's declared address into its levels.
func newAddress(s string) (address, bool) {
	key := compactKey(s)
	a := address{full: key, lower: -1}
	start := 0
	cut := func(end, level int) {
		t := key[start:end]
		if a.lower < 0 && level == levelLower {
			a.lower = len(a.tokens)
		}
		letters := 0
		for _, c := range t {
			if unicode.IsLetter(c) {
				letters++
			}
		}
		a.tokens = append(a.tokens, t)
		a.named = append(a.named, letters >= 2)
		start = end
	}
	for i := 0; i < len(key); {
		matched := false
		if i > start {
			for _, suf := range addrSuffixes {
				// A suffix followed by another one is part of a name: 红旗路, 广州市.
				if e := i + len(suf.text); strings.HasPrefix(key[i:], suf.text) && !startsWithSuffix(key[e:]) {
					cut(e, suf.level)
					i, matched = start, true
					break
				}
			}
		}
		if !matched {
			_, w := utf8.DecodeRuneInString(key[i:])
			i += w
		}
	}
	if start < len(key) {
		cut(len(key), levelLower)
	}
	// An address above the village or street level does not point at a person, and a
	// value holding our own mark is already redacted.
	if a.lower < 0 || utf8.RuneCountInString(key) < 4 || strings.Contains(key, "*") {
		return address{}, false
	}
	// Real addresses have a dozen levels; more would only make matching slow.
	if n := a.lower + maxAddressLevels; len(a.tokens) > n {
		a.tokens, a.named = a.tokens[:n], a.named[:n]
	}
	return a, true
}

func startsWithSuffix(s string) bool {
	for _, suf := range addrSuffixes {
		if strings.HasPrefix(s, suf.text) {
			return true
		}
	}
	return false
}

// find returns the compact-view spans to remove: the whole address, and every part
// from a level below the township on, with the declared levels that follow it. A part is
// taken when it is two levels or more (红旗路8号) or a place name of three or more
// characters (红旗路); a lone house number (12号) could be a case number's.
func (a *address) find(s string) [][2]int {
	var out [][2]int
	for _, x := range indexAll(s, a.full) {
		out = append(out, [2]int{x, x + len(a.full)})
	}
	// Chains are built from the last level up, so each occurrence is extended once.
	var next map[int][2]int // for token i+1: where it occurs → where its chain ends, tokens in it
	found := map[string][]int{}
	for i := len(a.tokens) - 1; i >= a.lower; i-- {
		t := a.tokens[i]
		at, ok := found[t]
		if !ok {
			at = indexAll(s, t)
			found[t] = at
		}
		cur := make(map[int][2]int, len(at))
		for _, x := range at {
			end, n := x+len(t), 1
			if c, ok := next[end]; ok {
				end, n = c[0], c[1]+1
			}
			cur[x] = [2]int{end, n}
			if n >= 2 || (a.named[i] && utf8.RuneCountInString(t) >= 3) {
				out = append(out, [2]int{x, end})
			}
		}
		next = cur
	}
	return out
}
