package inspection

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Verification is the outcome of re-running a draw from its published data.
type Verification struct {
	OK           bool      `json:"ok"`
	DrawID       uuid.UUID `json:"draw_id"`
	Algorithm    string    `json:"algorithm"`
	PoolHash     string    `json:"pool_hash"`
	PoolHashOK   bool      `json:"pool_hash_ok"`
	CommitmentOK bool      `json:"commitment_ok"`
	SeedOK       bool      `json:"seed_ok"`
	ResultHash   string    `json:"result_hash"`
	ResultOK     bool      `json:"result_ok"`
	StoredOK     bool      `json:"stored_result_ok"`
	PoolSize     int       `json:"pool_size"`
	Selected     int       `json:"selected"`
	Problems     []string  `json:"problems"`
	Elapsed      string    `json:"elapsed"`
}

// verifyDraw does LOTTERY.md section 7 for a draw and its task, whoever supplies the
// data: the pool listing is hashed and parsed, the revealed secret checked against the
// commitment, the seed recomputed, the algorithm re-run, and its result compared with the
// published result hash and with the result listing that stored writes.
func verifyDraw(start time.Time, d *Draw, t *Task, listing io.Reader, stored func(io.Writer) error) (Verification, error) {
	v := Verification{DrawID: d.ID, Algorithm: d.Algorithm, PoolHash: t.PoolHash, PoolSize: t.PoolSize, Problems: []string{}}
	if d.Algorithm != Algorithm {
		v.Problems = append(v.Problems, "算法版本 "+d.Algorithm+" 不是本程序实现的 "+Algorithm)
		return v, nil
	}
	l, hash, err := ParseListing(listing)
	if err != nil {
		return Verification{}, err
	}
	secret, _ := hex.DecodeString(d.Secret)
	v.PoolHashOK = hash == t.PoolHash
	v.CommitmentOK = Commit(secret) == t.SeedCommitment && l.Header.Commitment == t.SeedCommitment
	seed := Seed(secret, d.Witness)
	v.SeedOK = hex.EncodeToString(seed) == d.Seed
	sel, err := Run(seed, &l.Header, l.Read)
	if err != nil {
		v.Problems = append(v.Problems, "重新运行抽签失败："+err.Error())
	} else {
		v.ResultHash = ResultHash(&l.Header, sel)
		v.ResultOK = v.ResultHash == d.ResultHash
		v.Selected = len(sel.Codes)
		h := sha256.New()
		if err := stored(h); err != nil {
			return Verification{}, err
		}
		v.StoredOK = hex.EncodeToString(h.Sum(nil)) == v.ResultHash
	}
	for _, c := range []struct {
		ok  bool
		msg string
	}{{v.PoolHashOK, "对象池清单的哈希与冻结时公布的不一致"}, {v.CommitmentOK, "公开的密钥与事先公布的承诺值不符"},
		{v.SeedOK, "由密钥和见证输入计算的种子与公布的不一致"}, {v.ResultOK, "重新运行得到的结果与公布的结果哈希不一致"},
		{v.StoredOK, "公布的检查名单与重新运行的结果不一致"}} {
		if !c.ok {
			v.Problems = append(v.Problems, c.msg)
		}
	}
	v.OK = len(v.Problems) == 0
	v.Elapsed = time.Since(start).Round(time.Millisecond).String()
	return v, nil
}

// publicDrawURL turns the address someone copied — a draw's public page
// (…/public/draws/{id}, also its /verify page) or its API address (…/public/api/draws/{id})
// — into the portal's base (ending in "/") and the draw's API address.
func publicDrawURL(address string) (base, api string, err error) {
	u, err := url.Parse(strings.TrimSpace(address))
	bad := fmt.Errorf("地址 %q 不是抽取的公示地址，应为 http(s)://公示平台/public/draws/{抽取编号}", address)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", "", bad
	}
	path := strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), "/verify")
	i := strings.LastIndex(path, "/public/")
	if i < 0 {
		return "", "", bad
	}
	rest := strings.TrimPrefix(path[i+len("/public/"):], "api/")
	id, ok := strings.CutPrefix(rest, "draws/")
	if !ok || id == "" || strings.Contains(id, "/") {
		return "", "", bad
	}
	base = u.Scheme + "://" + u.Host + path[:i+1]
	return base, base + "public/api/draws/" + id, nil
}

// VerifyPublished re-runs a draw from its public downloads alone, as anyone outside
// zhifa would; address is the draw's public page or API address (publicDrawURL).
func VerifyPublished(ctx context.Context, client *http.Client, address string) (Verification, error) {
	start := time.Now()
	base, api, err := publicDrawURL(address)
	if err != nil {
		return Verification{}, err
	}
	get := func(u string) (io.ReadCloser, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
		}
		return resp.Body, nil
	}
	body, err := get(api)
	if err != nil {
		return Verification{}, err
	}
	var pub struct {
		Task Task  `json:"task"`
		Draw *Draw `json:"draw"`
	}
	err = json.NewDecoder(body).Decode(&pub)
	body.Close()
	if err != nil {
		return Verification{}, fmt.Errorf("read %s: %w", api, err)
	}
	if pub.Draw == nil {
		return Verification{}, fmt.Errorf("task %s has not been drawn", pub.Task.ID)
	}
	downloads := base + "public/api/draws/" + pub.Draw.ID.String()
	listing, err := get(downloads + "/pool")
	if err != nil {
		return Verification{}, err
	}
	defer listing.Close()
	return verifyDraw(start, pub.Draw, &pub.Task, listing, func(w io.Writer) error {
		result, err := get(downloads + "/result")
		if err != nil {
			return err
		}
		defer result.Close()
		_, err = io.Copy(w, result)
		return err
	})
}
