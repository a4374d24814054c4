package testenv

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisNode is a redis-server (or Sentinel) a test started on loopback.
type RedisNode struct {
	Addr string
	Port int
	args []string
	cmd  *exec.Cmd
}

// Kill stops the node at once, as a crash would.
func (n *RedisNode) Kill() {
	if n.cmd != nil && n.cmd.Process != nil {
		_ = n.cmd.Process.Kill()
		_ = n.cmd.Wait()
		n.cmd = nil
	}
}

// Client is a plain connection to this node alone.
func (n *RedisNode) Client() *redis.Client {
	return redis.NewClient(&redis.Options{Addr: n.Addr, DialTimeout: time.Second, ReadTimeout: 2 * time.Second})
}

func (n *RedisNode) start(tb testing.TB) {
	tb.Helper()
	n.cmd = exec.Command("redis-server", n.args...)
	if err := n.cmd.Start(); err != nil {
		tb.Skipf("redis-server cannot be started here: %v", err)
	}
	c := n.Client()
	defer c.Close()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c.Ping(context.Background()).Err() == nil {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("redis-server on %s did not answer", n.Addr)
		}
	}
}

// freePort finds a port free on loopback together with port+10000 (a Cluster node's bus).
func freePort(tb testing.TB) int {
	tb.Helper()
	for range 200 {
		p := 20000 + rand.IntN(20000)
		a, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			continue
		}
		b, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p+10000))
		a.Close()
		if err != nil {
			continue
		}
		b.Close()
		return p
	}
	tb.Fatal("no free port pair on loopback")
	return 0
}

func newNode(tb testing.TB, dir string, extra ...string) *RedisNode {
	port := freePort(tb)
	n := &RedisNode{Addr: "127.0.0.1:" + strconv.Itoa(port), Port: port}
	n.args = append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no",
		"--protected-mode", "no", "--logfile", filepath.Join(dir, strconv.Itoa(port)+".log")}, extra...)
	tb.Cleanup(n.Kill)
	return n
}

func redisBinaries(tb testing.TB) {
	for _, b := range []string{"redis-server", "redis-cli"} {
		if _, err := exec.LookPath(b); err != nil {
			if os.Getenv("ZHIFA_REQUIRE_REDIS_TOPOLOGIES") != "" {
				tb.Fatalf("%s is not installed", b)
			}
			tb.Skipf("%s is not installed", b)
		}
	}
}

// RedisCluster starts a Redis Cluster of three masters, each with a replica, on loopback
// for one test (Debian's redis-server forms it in a few seconds) and returns its URL as
// ZHIFA_REDIS_URL takes it in cluster mode, and its nodes, masters first. A node that is
// down for a second is failed over.
func RedisCluster(tb testing.TB) (string, []*RedisNode) {
	tb.Helper()
	redisBinaries(tb)
	dir := tb.TempDir()
	nodes := make([]*RedisNode, 6)
	addrs := make([]string, 6)
	for i := range nodes {
		nodes[i] = newNode(tb, dir, "--cluster-enabled", "yes", "--cluster-node-timeout", "1000",
			"--cluster-config-file", filepath.Join(dir, fmt.Sprintf("nodes-%d.conf", i)))
		nodes[i].start(tb)
		addrs[i] = nodes[i].Addr
	}
	out, err := exec.Command("redis-cli", append(append([]string{"--cluster", "create"}, addrs...), "--cluster-replicas", "1", "--cluster-yes")...).CombinedOutput()
	if err != nil {
		tb.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	// Ready when every node sees the whole map and each master has its replica in step.
	ctx := context.Background()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		ready := true
		for _, n := range nodes {
			c := n.Client()
			info, err := c.ClusterInfo(ctx).Result()
			repl, rerr := c.Info(ctx, "replication").Result()
			c.Close()
			if err != nil || rerr != nil || !strings.Contains(info, "cluster_state:ok") ||
				(strings.Contains(repl, "role:slave") && !strings.Contains(repl, "master_link_status:up")) {
				ready = false
				break
			}
		}
		if ready {
			break
		}
		if time.Now().After(deadline) {
			tb.Fatal("the Redis Cluster did not become ready")
		}
	}
	// Masters first, as the cluster assigned them.
	var masters, replicas []*RedisNode
	for _, n := range nodes {
		c := n.Client()
		role, _ := c.Do(ctx, "ROLE").Slice()
		c.Close()
		if len(role) > 0 && role[0] == "master" {
			masters = append(masters, n)
		} else {
			replicas = append(replicas, n)
		}
	}
	u := "redis://" + addrs[0]
	for i, a := range addrs[1:] {
		u += map[bool]string{true: "?", false: "&"}[i == 0] + "addr=" + a
	}
	return u, append(masters, replicas...)
}

// MasterOf is the node serving key's slot as a master now.
func MasterOf(tb testing.TB, nodes []*RedisNode, key string) *RedisNode {
	tb.Helper()
	ctx := context.Background()
	for _, n := range nodes {
		if n.cmd == nil {
			continue
		}
		c := n.Client()
		slot, err := c.ClusterKeySlot(ctx, key).Result()
		if err != nil {
			c.Close()
			continue
		}
		shards, err := c.ClusterSlots(ctx).Result()
		c.Close()
		if err != nil {
			continue
		}
		for _, s := range shards {
			if int64(s.Start) <= slot && slot <= int64(s.End) && len(s.Nodes) > 0 {
				for _, m := range nodes {
					if m.Addr == s.Nodes[0].Addr {
						return m
					}
				}
			}
		}
	}
	tb.Fatalf("no master serves %s", key)
	return nil
}

// RedisSentinel starts a master, a replica and three Sentinels watching them (quorum 2,
// a master down for a second is failed over) on loopback for one test, and returns the
// URL ZHIFA_REDIS_URL takes in sentinel mode, the master and the replica.
func RedisSentinel(tb testing.TB) (string, *RedisNode, *RedisNode) {
	tb.Helper()
	redisBinaries(tb)
	dir := tb.TempDir()
	master := newNode(tb, dir)
	master.start(tb)
	replica := newNode(tb, dir, "--replicaof", "127.0.0.1", strconv.Itoa(master.Port))
	replica.start(tb)
	ctx := context.Background()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		c := replica.Client()
		repl, _ := c.Info(ctx, "replication").Result()
		c.Close()
		if strings.Contains(repl, "master_link_status:up") {
			break
		}
		if time.Now().After(deadline) {
			tb.Fatal("the replica did not follow its master")
		}
	}
	u := ""
	for i := range 3 {
		port := freePort(tb)
		conf := filepath.Join(dir, fmt.Sprintf("sentinel-%d.conf", i))
		text := fmt.Sprintf("port %d\nbind 127.0.0.1\nprotected-mode no\ndir %s\nlogfile %s\nsentinel monitor zhifa 127.0.0.1 %d 2\n"+
			"sentinel down-after-milliseconds zhifa 1000\nsentinel failover-timeout zhifa 5000\nsentinel parallel-syncs zhifa 1\n",
			port, dir, filepath.Join(dir, fmt.Sprintf("sentinel-%d.log", i)), master.Port)
		if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
			tb.Fatal(err)
		}
		s := &RedisNode{Addr: "127.0.0.1:" + strconv.Itoa(port), Port: port, args: []string{conf, "--sentinel"}}
		tb.Cleanup(s.Kill)
		s.start(tb)
		if i == 0 {
			u = "redis://" + s.Addr + "?master_name=zhifa"
		} else {
			u += "&addr=" + s.Addr
		}
	}
	return u, master, replica
}
