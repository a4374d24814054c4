package inspection

import "testing"

// People paste whatever address they have open: the public page, its verify page or the
// API address; each must lead to the draw's API address on the same portal.
func TestPublicDrawURL(t *testing.T) {
	const id = "0193a1b2-0000-7000-8000-000000000001"
	for _, c := range []struct{ in, base string }{
		{"https://zf.example.gov.cn/public/draws/" + id, "https://zf.example.gov.cn/"},
		{"https://zf.example.gov.cn/public/draws/" + id + "/verify", "https://zf.example.gov.cn/"},
		{" http://127.0.0.1:8080/public/api/draws/" + id + "/ ", "http://127.0.0.1:8080/"},
		{"https://gov.example.cn/zhifa/public/api/draws/" + id + "?x=1", "https://gov.example.cn/zhifa/"},
	} {
		base, api, err := publicDrawURL(c.in)
		if err != nil || base != c.base || api != c.base+"public/api/draws/"+id {
			t.Errorf("%q → %q %q %v", c.in, base, api, err)
		}
	}
	for _, bad := range []string{"", id, "zf.example.gov.cn/public/draws/" + id, "ftp://h/public/draws/" + id,
		"https://h/api/v1/inspection/tasks/" + id, "https://h/public/draws/", "https://h/public/results/" + id, "https://h/public/draws/" + id + "/pool"} {
		if _, _, err := publicDrawURL(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
