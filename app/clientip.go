package app

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// A client's address decides its login and portal limits and is written into the
// activity and evidence access logs, so it must not be something the client chooses.
// Behind load balancers the address is read from X-Forwarded-For from the right: each
// trusted proxy appends the address it saw, so the first entry from the right that is
// not a trusted proxy is the client as the outermost trusted proxy saw it. Everything to
// its left was written by the client and is ignored. Without trusted proxies the
// header is ignored altogether.

// proxies is the parsed ZHIFA_TRUSTED_PROXIES: addresses and CIDR ranges.
type proxies []netip.Prefix

func parseProxies(list []string) (proxies, error) {
	var ps proxies
	for _, s := range list {
		s = strings.TrimSpace(s)
		if p, err := netip.ParsePrefix(s); err == nil {
			ps = append(ps, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("ZHIFA_TRUSTED_PROXIES: %q is neither an address nor a CIDR range", s)
		}
		ps = append(ps, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return ps, nil
}

func (ps proxies) trusted(a netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

// clientAddr works out the client's address for one request (observe stores it).
func (ps proxies) clientAddr(c *fiber.Ctx) netip.Addr {
	remote, _ := netip.AddrFromSlice(c.Context().RemoteIP())
	remote = remote.Unmap()
	if len(ps) == 0 || !ps.trusted(remote) {
		return remote
	}
	hops := strings.Split(string(c.Request().Header.Peek(fiber.HeaderXForwardedFor)), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return remote // a hop a proxy would never write: believe nothing further left
		}
		if a = a.Unmap(); !ps.trusted(a) {
			return a
		}
	}
	return remote
}

// clientIP is the request's client address as text, for logs.
func clientIP(c *fiber.Ctx) string {
	if a, ok := c.Locals(localClientIP).(netip.Addr); ok && a.IsValid() {
		return a.String()
	}
	return c.Context().RemoteIP().String()
}

// limitKey is the address a limiter counts: an IPv6 client holds a whole /64, so it is
// counted as one.
func limitKey(c *fiber.Ctx) string {
	a, ok := c.Locals(localClientIP).(netip.Addr)
	if !ok || !a.IsValid() {
		return clientIP(c)
	}
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}
