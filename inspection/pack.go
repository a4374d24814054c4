package inspection

import (
	"encoding/binary"
	"fmt"

	"zhifa/enforcement"
)

// Pools in Redis hold codes packed: a unified social credit code has 18 characters of a
// 31-letter alphabet, so each half of 9 characters is a number below 31^9 < 2^45 and
// fits in 6 bytes. A packed code takes 12 bytes instead of 18, and a draw, whose time
// goes mostly into reading codes, reads a third less.
const packedLen = 12

// charValue maps a byte to its place in the alphabet plus one; 0 marks bytes outside it.
var charValue = func() (v [256]byte) {
	for i := 0; i < len(enforcement.CreditCharset); i++ {
		v[enforcement.CreditCharset[i]] = byte(i + 1)
	}
	return v
}()

// packCodes appends the packed form of codes, a run of 18-character codes, to dst.
func packCodes(dst, codes []byte) ([]byte, error) {
	if len(codes)%CodeLen != 0 {
		return nil, fmt.Errorf("pool chunk of %d bytes is not a run of %d-character codes", len(codes), CodeLen)
	}
	var word [8]byte
	for at := 0; at < len(codes); at += CodeLen {
		for half := 0; half < 2; half++ {
			var n uint64
			for _, c := range codes[at+9*half : at+9*half+9] {
				v := charValue[c]
				if v == 0 {
					return nil, fmt.Errorf("pool code %q has a character outside GB 32100's alphabet", codes[at:at+CodeLen])
				}
				n = n*31 + uint64(v-1)
			}
			binary.BigEndian.PutUint64(word[:], n)
			dst = append(dst, word[2:]...)
		}
	}
	return dst, nil
}

// unpackCode writes the 18 characters of the packed code src into dst.
func unpackCode(dst []byte, src string) {
	for half := 0; half < 2; half++ {
		b := src[6*half : 6*half+6]
		n := uint64(b[0])<<40 | uint64(b[1])<<32 | uint64(b[2])<<24 | uint64(b[3])<<16 | uint64(b[4])<<8 | uint64(b[5])
		for i := 9*half + 8; i >= 9*half; i-- {
			dst[i] = enforcement.CreditCharset[n%31]
			n /= 31
		}
	}
}
