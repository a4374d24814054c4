package app

import (
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// newRedis connects to Redis as ZHIFA_REDIS_MODE says ZHIFA_REDIS_URL is to be read:
//
//   - single: one server, redis://[:password@]host:port/db
//   - sentinel: the Sentinels watching a master, redis://[:password@]sentinel1:26379?addr=
//     sentinel2:26379&addr=sentinel3:26379&master_name=mymaster (password= for the master's)
//   - cluster: any nodes of a Redis Cluster, redis://[:password@]node1:7000?addr=node2:7001
//
// Every client answers within 2 s or fails, so a page says Redis is away instead of
// hanging. A Cluster's client re-reads the slot map every 2 s (go-redis waits 60 s by
// default, and writes to a failed-over master came back only then).
func newRedis(mode, rawURL string) (redis.UniversalClient, error) {
	const timeout = 2 * time.Second
	switch mode {
	case "sentinel":
		o, err := redis.ParseFailoverURL(rawURL)
		if err != nil {
			return nil, fmt.Errorf("ZHIFA_REDIS_URL (sentinel): %w", err)
		}
		if o.MasterName == "" {
			return nil, fmt.Errorf("ZHIFA_REDIS_URL (sentinel): master_name is missing")
		}
		o.DialTimeout, o.ReadTimeout, o.WriteTimeout = timeout, timeout, timeout
		return redis.NewFailoverClient(o), nil
	case "cluster":
		o, err := redis.ParseClusterURL(rawURL)
		if err != nil {
			return nil, fmt.Errorf("ZHIFA_REDIS_URL (cluster): %w", err)
		}
		o.DialTimeout, o.ReadTimeout, o.WriteTimeout = timeout, timeout, timeout
		if o.ClusterStateReloadInterval <= 0 {
			o.ClusterStateReloadInterval = 2 * time.Second
		}
		return redis.NewClusterClient(o), nil
	}
	o, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("ZHIFA_REDIS_URL: %w", err)
	}
	o.DialTimeout, o.ReadTimeout, o.WriteTimeout = timeout, timeout, timeout
	return redis.NewClient(o), nil
}
