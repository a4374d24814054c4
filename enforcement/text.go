package enforcement

import (
	"fmt"
	"unicode"
	"unicode/utf8"

	"zhifa/fault"
)

// Every string a person or a client sends passes this one rule before it is stored or
// searched: PostgreSQL refuses NUL in text, control characters break pages, logs and
// exports, and invisible format characters (right-to-left overrides, zero-width
// characters) make a name read differently from what it is ("photo\u202egnp.exe" shows
// as "photoexe.png"). Such text is refused with the field named, never silently kept.

// TextProblem says what is wrong with a string, or "" when nothing is: invalid UTF-8, a
// control character (tab, CR, LF and the Unicode line and paragraph separators are allowed
// only when multiline), or an invisible
// format character (Unicode category Cf: direction marks and overrides, zero-width
// characters, the byte-order mark, soft hyphens).
func TextProblem(s string, multiline bool) string {
	at := 0
	for i, r := range s {
		at++
		if r >= 0x20 && r < 0x7f {
			continue // the common case, printable ASCII
		}
		switch {
		case r == utf8.RuneError && !validRuneAt(s, i):
			return fmt.Sprintf("第 %d 个字符不是有效的 UTF-8 编码", at)
		case r == 0:
			return fmt.Sprintf("第 %d 个字符是空字符（NUL），不允许", at)
		case r == '\n' || r == '\r' || r == '\t' || r == '\u2028' || r == '\u2029':
			if !multiline {
				return fmt.Sprintf("第 %d 个字符是换行或制表符，此项只能填一行", at)
			}
		case unicode.IsControl(r):
			return fmt.Sprintf("第 %d 个字符是控制字符 U+%04X，不允许", at, r)
		case unicode.Is(unicode.Cf, r):
			return fmt.Sprintf("第 %d 个字符是不可见的格式字符 U+%04X（如文字方向控制、零宽字符），请删除后重新输入", at, r)
		}
	}
	return ""
}

// validRuneAt tells a real U+FFFD in the text from a byte that is not UTF-8.
func validRuneAt(s string, i int) bool {
	_, n := utf8.DecodeRuneInString(s[i:])
	return n == 3
}

// CheckText refuses a string that breaks the rule above, as invalid input naming the
// field (its API name) and, for people, its label.
func CheckText(field, label, s string, multiline bool) error {
	if p := TextProblem(s, multiline); p != "" {
		return fault.Field(field, "%s（%s）%s", label, field, p)
	}
	return nil
}

// StripUnsafe removes what TextProblem refuses from text that is only recorded, never
// typed by a person (a browser's User-Agent, a device's file name), keeping the rest.
func StripUnsafe(s string) string {
	if TextProblem(s, false) == "" {
		return s
	}
	out := make([]rune, 0, len(s))
	for i, r := range s {
		if (r == utf8.RuneError && !validRuneAt(s, i)) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			continue
		}
		out = append(out, r)
	}
	return string(out)
}
