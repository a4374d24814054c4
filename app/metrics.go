package app

import (
	"crypto/subtle"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"

	"zhifa/fault"
)

// metrics are the Prometheus figures of one App, in a registry of its own so that
// several Apps in one test process do not collide.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	handler  fiber.Handler
}

func newMetrics(db *pgxpool.Pool, rdb redis.UniversalClient) *metrics {
	reg := prometheus.NewRegistry()
	m := &metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "zhifa_http_requests_total", Help: "HTTP requests by method, route and status.",
		}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "zhifa_http_request_duration_seconds", Help: "HTTP request latency by method and route.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route"}),
	}
	gauge := func(name, help string, f func() float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f)
	}
	reg.MustRegister(m.requests, m.latency,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		gauge("zhifa_pg_pool_total_conns", "PostgreSQL connections open.", func() float64 { return float64(db.Stat().TotalConns()) }),
		gauge("zhifa_pg_pool_acquired_conns", "PostgreSQL connections in use.", func() float64 { return float64(db.Stat().AcquiredConns()) }),
		gauge("zhifa_pg_pool_idle_conns", "PostgreSQL connections idle.", func() float64 { return float64(db.Stat().IdleConns()) }),
		gauge("zhifa_pg_pool_max_conns", "PostgreSQL connection limit.", func() float64 { return float64(db.Stat().MaxConns()) }),
		gauge("zhifa_pg_pool_empty_acquire_total", "Acquires that had to wait for a PostgreSQL connection.", func() float64 { return float64(db.Stat().EmptyAcquireCount()) }),
		gauge("zhifa_redis_pool_total_conns", "Redis connections open.", func() float64 { return float64(rdb.PoolStats().TotalConns) }),
		gauge("zhifa_redis_pool_idle_conns", "Redis connections idle.", func() float64 { return float64(rdb.PoolStats().IdleConns) }),
		gauge("zhifa_redis_pool_timeouts_total", "Waits for a Redis connection that timed out.", func() float64 { return float64(rdb.PoolStats().Timeouts) }),
	)
	m.handler = adaptor.HTTPHandler(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	return m
}

func (m *metrics) observe(method, route string, status int, d time.Duration) {
	if route == "" || route == "/" && status == fiber.StatusNotFound {
		route = "unmatched"
	}
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(method, route).Observe(d.Seconds())
}

// GET /metrics, in Prometheus text format; behind a bearer token when one is configured.
func (a *App) serveMetrics(c *fiber.Ctx) error {
	if a.cfg.MetricsToken != "" {
		sent := c.Get(fiber.HeaderAuthorization)
		if subtle.ConstantTimeCompare([]byte(sent), []byte("Bearer "+a.cfg.MetricsToken)) != 1 {
			return fault.New(fault.Unauthorized, "需要监控令牌")
		}
	}
	return a.metrics.handler(c)
}
