package enforcement

import "strings"

// CreditCharset is the alphabet of the unified social credit code (GB 32100-2015):
// digits and capitals without I, O, Z, S and V.
const CreditCharset = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var creditWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// CreditCheckChar returns the check character for the first 17 characters of a unified
// social credit code, or 0 when they contain a character outside the alphabet.
func CreditCheckChar(first17 string) byte {
	if len(first17) != 17 {
		return 0
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(CreditCharset, first17[i])
		if v < 0 {
			return 0
		}
		sum += v * creditWeights[i]
	}
	c := (31 - sum%31) % 31
	return CreditCharset[c]
}

// ValidCreditCode reports whether s is an 18-character unified social credit code whose
// check character is right.
func ValidCreditCode(s string) bool {
	if len(s) != 18 {
		return false
	}
	for i := 2; i < 8; i++ { // positions 3-8 are the administrative division code
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	c := CreditCheckChar(s[:17])
	return c != 0 && c == s[17]
}

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// IDCheckChar returns the check character for the first 17 digits of a resident identity
// number (GB 11643-1999), or 0 when they are not all digits.
func IDCheckChar(first17 string) byte {
	if len(first17) != 17 {
		return 0
	}
	sum := 0
	for i := 0; i < 17; i++ {
		ch := first17[i]
		if ch < '0' || ch > '9' {
			return 0
		}
		sum += int(ch-'0') * idWeights[i]
	}
	return "10X98765432"[sum%11]
}

// ValidIDNumber reports whether s is an 18-character resident identity number with a
// plausible birth date and the right check character (a lower-case x is accepted).
func ValidIDNumber(s string) bool {
	if len(s) != 18 {
		return false
	}
	s = strings.ToUpper(s)
	if _, err := ParseDate(s[6:10] + "-" + s[10:12] + "-" + s[12:14]); err != nil {
		return false
	}
	c := IDCheckChar(s[:17])
	return c != 0 && c == s[17]
}
