/* dpdk-steer: steers IPv6 packets to the DirectAccess server (or cluster node)
 * that holds the destination client's tunnel, with libmanageout, on DPDK.
 *
 *   dpdk-steer [EAL options] -- --farm FARM --steering FILE [options]
 *   dpdk-steer [EAL options] -- --prefixes FILE [--eth-dest PORT,MAC]... [options]
 *
 * One worker lcore forwards: per burst it parses Ethernet (with up to two
 * 802.1Q/802.1ad tags) and IPv6, looks every destination of the burst up with one
 * batch call, writes the next hop's MAC (and the egress port's own as source) and
 * sends each packet out of its server's port. The main lcore is the control
 * thread: it reloads on SIGHUP and prints the counters on SIGUSR1 and at exit.
 * See README.md beside this file for the file formats, options and costs.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <pthread.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include <manageout.h>

#define BURST 32
#define RX_RING 1024
#define TX_RING 1024
#define POOL_SIZE 16383
#define MAX_LINE 4096
#define MAX_SLOTS 4096 /* distinct counter names over all reloads */
#define MAX_PREFIXES 16777216

/* ---- counters: written by the worker only, read by the control thread ---- */

enum reason { UNKNOWN_DESTINATION, NOT_IPV6, TRUNCATED, MALFORMED, N_REASONS };
static const char *const reason_name[N_REASONS] = {"unknown_destination", "not_ipv6", "truncated",
                                                   "malformed"};

/* One counter per server (farm mode) or port (prefix mode), by name, so that the
 * counts of a server carry over a reload that keeps it. */
struct slot {
    char name[64];
    _Atomic uint64_t packets, bytes;
};
static struct slot slots[MAX_SLOTS];
static _Atomic uint32_t n_slots;

static struct {
    /* received = steered + not steered; tx_dropped: steered, but the Tx ring was full */
    _Atomic uint64_t received, extension_headers, tx_dropped, reloads, reload_failures;
    _Atomic uint64_t not_steered[N_REASONS];
} stats;

/* the worker is the only writer: a relaxed load and store, no locked instruction */
static inline void bump(_Atomic uint64_t *c, uint64_t v)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + v,
                          memory_order_relaxed);
}

static uint64_t get(_Atomic uint64_t *c) { return atomic_load_explicit(c, memory_order_relaxed); }

/* ---- the plan: a table and its steering, which change together ---- */

struct hop {
    bool valid;
    uint16_t port;
    struct rte_ether_addr mac;
    uint32_t slot;
};

struct plan {
    const mo_table *table;    /* farm mode */
    const mo_prefix_map *map; /* prefix mode */
    uint32_t n_hops;          /* servers (farm) or ports (prefix mode) */
    struct hop *hops;         /* by server index, or by value (= port) */
};

static void plan_free(struct plan *p)
{
    if (p == NULL)
        return;
    mo_table_free(p->table);
    mo_prefix_map_free(p->map);
    free(p->hops);
    free(p);
}

/* ---- options ---- */

static struct {
    const char *farm, *steering, *prefixes, *reload_file;
    struct rte_ether_addr eth_dest[RTE_MAX_ETHPORTS];
    int exception_port;   /* -1: drop what is not steered */
    uint64_t reload_after; /* 0: never */
    uint64_t idle_polls;   /* 0: never stop on idle */
    bool json;
    uint16_t rx_ports[RTE_MAX_ETHPORTS]; /* the ports polled (default: every port) */
    uint16_t n_rx;
} opt = {.exception_port = -1};

static uint16_t n_ports;
static struct rte_ether_addr port_mac[RTE_MAX_ETHPORTS];

static void usage(void)
{
    fprintf(stderr,
            "usage: dpdk-steer [EAL options] -- --farm FARM --steering FILE [options]\n"
            "       dpdk-steer [EAL options] -- --prefixes FILE [--eth-dest PORT,MAC]... [options]\n"
            "options:\n"
            "  --exception-port P    send what is not steered out of port P (default: drop)\n"
            "  --rx-port P           receive on port P only (repeat for more; default: every port)\n"
            "  --reload-after N:FILE reload from FILE (a farm or prefix file) right after the\n"
            "                        Nth received packet, in the forwarding loop (for tests)\n"
            "  --idle-polls N        stop after N polling rounds in a row received nothing\n"
            "  --stats-format F      text (default) or json, on SIGUSR1 and at exit\n"
            "signals: SIGHUP reloads the farm and steering file (or the prefix file), SIGUSR1\n"
            "prints the counters, SIGINT/SIGTERM stop.\n");
}

/* ---- file parsing, with file:line:column errors ---- */

static void file_error(const char *file, unsigned line, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void file_error(const char *file, unsigned line, unsigned col, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "dpdk-steer: %s:%u:%u: error: ", file, line, col);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* Splits a line into at most `max` blank-separated fields (a `#` starts a comment),
 * recording each field's column. Returns the count, or max + 1 when there are more. */
static int fields(char *line, char **f, unsigned *col, int max)
{
    int n = 0;
    char *p = line;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
            p++;
        if (*p == '\0' || *p == '#')
            return n;
        if (n == max)
            return max + 1;
        f[n] = p;
        col[n] = (unsigned)(p - line) + 1;
        n++;
        while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n' && *p != '#')
            p++;
        if (*p == '#') {
            *p = '\0';
            return n;
        }
        if (*p)
            *p++ = '\0';
    }
}

/* Reads the next line into buf; 0 at end, -1 (with an error printed) for a line
 * too long or a byte that is no printable ASCII. */
static int next_line(FILE *fh, char *buf, const char *file, unsigned line)
{
    if (fgets(buf, MAX_LINE, fh) == NULL)
        return 0;
    size_t len = strlen(buf);
    if (len == MAX_LINE - 1 && buf[len - 1] != '\n' && !feof(fh)) {
        file_error(file, line, MAX_LINE, "line longer than %d bytes", MAX_LINE - 2);
        return -1;
    }
    /* printable ASCII only: every field may be echoed in a message to a terminal */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)buf[i];
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c >= 0x7f) {
            file_error(file, line, (unsigned)i + 1, "byte 0x%02x is no printable ASCII: the file must be ASCII text", c);
            return -1;
        }
    }
    return 1;
}

static bool parse_port(const char *s, uint16_t *port)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < 0 || v >= n_ports)
        return false;
    *port = (uint16_t)v;
    return true;
}

static bool parse_mac(const char *s, struct rte_ether_addr *mac)
{
    unsigned b[6];
    char tail;
    if (strlen(s) != 17 ||
        sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &tail) != 6)
        return false;
    for (int i = 0; i < 6; i++)
        mac->addr_bytes[i] = (uint8_t)b[i];
    return true;
}

static FILE *open_text(const char *file)
{
    FILE *fh = fopen(file, "r");
    if (fh == NULL)
        fprintf(stderr, "dpdk-steer: cannot read %s: %s\n", file, strerror(errno));
    return fh;
}

/* The counter slot named `name`, added when new (plan building only, never on the
 * forwarding path; the lock orders a SIGHUP reload and a --reload-after one). */
static pthread_mutex_t slot_lock = PTHREAD_MUTEX_INITIALIZER;
static int slot_of_locked(const char *name);
static int slot_of(const char *name)
{
    pthread_mutex_lock(&slot_lock);
    int r = slot_of_locked(name);
    pthread_mutex_unlock(&slot_lock);
    return r;
}
static int slot_of_locked(const char *name)
{
    uint32_t n = atomic_load_explicit(&n_slots, memory_order_relaxed);
    for (uint32_t i = 0; i < n; i++)
        if (strcmp(slots[i].name, name) == 0)
            return (int)i;
    if (n == MAX_SLOTS) {
        fprintf(stderr, "dpdk-steer: more than %d distinct servers over all reloads\n", MAX_SLOTS);
        return -1;
    }
    snprintf(slots[n].name, sizeof slots[n].name, "%s", name);
    atomic_store_explicit(&n_slots, n + 1, memory_order_release);
    return (int)n;
}

struct steer_line {
    char name[64];
    uint16_t port;
    struct rte_ether_addr mac;
    unsigned line;
    bool used;
};

/* The steering file: `SERVER PORT MAC` lines. Every server of the farm needs one. */
static struct plan *farm_plan(const char *farm, const char *steering)
{
    const mo_table *t = NULL;
    if (mo_table_from_file(farm, &t) != MO_OK) {
        size_t n = mo_last_error(NULL, 0);
        char *msg = malloc(n + 1);
        if (msg) {
            mo_last_error(msg, n + 1);
            fprintf(stderr, "dpdk-steer: the farm %s cannot be used:\n%s\n", farm, msg);
            free(msg);
        }
        return NULL;
    }
    size_t servers = mo_table_len(t);
    struct steer_line *lines = calloc(servers ? servers : 1, sizeof *lines);
    struct plan *p = calloc(1, sizeof *p);
    struct hop *hops = calloc(servers ? servers : 1, sizeof *hops);
    FILE *fh = open_text(steering);
    char buf[MAX_LINE];
    unsigned line = 0;
    size_t n = 0;
    bool ok = lines && p && hops && fh;
    int r = 0;
    while (ok && (r = next_line(fh, buf, steering, ++line)) > 0) {
        char *f[3];
        unsigned col[3];
        int nf = fields(buf, f, col, 3);
        if (nf == 0)
            continue;
        if (nf != 3) {
            file_error(steering, line, nf > 3 ? col[2] : 1,
                       "expected `SERVER PORT MAC` (three fields), such as `DA1 0 02:00:00:00:01:01`");
            ok = false;
            break;
        }
        uint16_t port;
        struct rte_ether_addr mac;
        if (!parse_port(f[1], &port)) {
            file_error(steering, line, col[1], "`%s` is not a port here: the ports are 0 to %u", f[1],
                       n_ports - 1u);
            ok = false;
        } else if (!parse_mac(f[2], &mac)) {
            file_error(steering, line, col[2], "`%s` is not a MAC address: write six hex bytes, 02:00:5e:10:00:01", f[2]);
            ok = false;
        }
        for (size_t i = 0; ok && i < n; i++)
            if (strcmp(lines[i].name, f[0]) == 0) {
                file_error(steering, line, col[0], "server %s is already steered on line %u: give each server one line",
                           f[0], lines[i].line);
                ok = false;
            }
        if (!ok)
            break;
        /* a server the farm lacks cannot be looked up: warn, keep nothing */
        size_t idx = servers;
        for (size_t i = 0; i < servers; i++)
            if (strcmp(mo_table_server_name(t, i), f[0]) == 0)
                idx = i;
        if (idx == servers) {
            fprintf(stderr, "dpdk-steer: %s:%u:%u: warning: the farm has no server %s; line ignored\n", steering,
                    line, col[0], f[0]);
            continue;
        }
        struct steer_line *s = &lines[n++];
        snprintf(s->name, sizeof s->name, "%s", f[0]);
        s->port = port;
        s->mac = mac;
        s->line = line;
        hops[idx] = (struct hop){.valid = true, .port = port, .mac = mac};
    }
    if (r < 0)
        ok = false;
    for (size_t i = 0; ok && i < servers; i++) {
        if (!hops[i].valid) {
            const char *name = mo_table_server_name(t, i);
            fprintf(stderr,
                    "dpdk-steer: %s: error: server %s of %s has no line: add `%s PORT MAC` (its port and next-hop MAC)\n",
                    steering, name, farm, name);
            ok = false;
        }
    }
    for (size_t i = 0; ok && i < servers; i++) {
        int slot = slot_of(mo_table_server_name(t, i));
        if (slot < 0)
            ok = false;
        hops[i].slot = (uint32_t)slot;
    }
    if (fh)
        fclose(fh);
    free(lines);
    if (!ok) {
        mo_table_free(t);
        free(hops);
        free(p);
        return NULL;
    }
    p->table = t;
    p->hops = hops;
    p->n_hops = (uint32_t)servers;
    return p;
}

/* The prefix file: `PREFIX VALUE` lines, VALUE the port. */
static struct plan *prefix_plan(const char *file)
{
    FILE *fh = open_text(file);
    struct plan *p = calloc(1, sizeof *p);
    struct hop *hops = calloc(n_ports, sizeof *hops);
    mo_prefix *v = NULL;
    size_t n = 0, cap = 0;
    char buf[MAX_LINE];
    unsigned line = 0;
    bool ok = fh && p && hops;
    int r = 0;
    while (ok && (r = next_line(fh, buf, file, ++line)) > 0) {
        char *f[2];
        unsigned col[2];
        int nf = fields(buf, f, col, 2);
        if (nf == 0)
            continue;
        if (nf != 2) {
            file_error(file, line, nf > 2 ? col[1] : 1, "expected `PREFIX PORT`, such as `2131:0:0:1000::/59 0`");
            ok = false;
            break;
        }
        char *slash = strchr(f[0], '/');
        char *end = NULL;
        long len = slash ? strtol(slash + 1, &end, 10) : -1;
        if (slash)
            *slash = '\0';
        struct in6_addr a;
        if (!slash || *end || end == slash + 1 || len < 0 || len > 128) {
            file_error(file, line, col[0], "expected an IPv6 prefix ADDRESS/LENGTH with a length of 0 to 128");
            ok = false;
            break;
        }
        if (inet_pton(AF_INET6, f[0], &a) != 1) {
            file_error(file, line, col[0], "`%s` is not an IPv6 address", f[0]);
            ok = false;
            break;
        }
        uint8_t masked[16];
        for (int i = 0; i < 16; i++) {
            int bits = (int)len - 8 * i;
            uint8_t mask = bits >= 8 ? 0xff : bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
            masked[i] = a.s6_addr[i] & mask;
        }
        if (memcmp(masked, a.s6_addr, 16) != 0) {
            char fixed[INET6_ADDRSTRLEN];
            inet_ntop(AF_INET6, masked, fixed, sizeof fixed);
            file_error(file, line, col[0], "%s/%ld has host bits set: did you mean %s/%ld?", f[0], len, fixed, len);
            ok = false;
            break;
        }
        uint16_t port;
        if (!parse_port(f[1], &port)) {
            file_error(file, line, col[1], "`%s` is not a port here: the ports are 0 to %u", f[1], n_ports - 1u);
            ok = false;
            break;
        }
        if (n == MAX_PREFIXES) {
            file_error(file, line, 1, "more than %d prefixes", MAX_PREFIXES);
            ok = false;
            break;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            mo_prefix *grown = realloc(v, cap * sizeof *v);
            if (grown == NULL) {
                ok = false;
                break;
            }
            v = grown;
        }
        memcpy(v[n].addr, masked, 16);
        v[n].len = (uint8_t)len;
        v[n].value = port;
        n++;
    }
    if (r < 0)
        ok = false;
    if (ok && n == 0) {
        fprintf(stderr, "dpdk-steer: %s: error: no prefixes\n", file);
        ok = false;
    }
    if (ok && mo_prefix_map_new(v, n, &p->map) != MO_OK) {
        char msg[512];
        mo_last_error(msg, sizeof msg);
        fprintf(stderr, "dpdk-steer: %s: %s\n", file, msg);
        ok = false;
    }
    for (uint16_t i = 0; ok && i < n_ports; i++) {
        char name[32];
        snprintf(name, sizeof name, "port %u", i);
        int slot = slot_of(name);
        if (slot < 0)
            ok = false;
        hops[i] = (struct hop){.valid = true, .port = i, .mac = opt.eth_dest[i], .slot = (uint32_t)slot};
    }
    if (fh)
        fclose(fh);
    free(v);
    if (!ok) {
        if (p)
            mo_prefix_map_free(p->map);
        free(hops);
        free(p);
        return NULL;
    }
    p->hops = hops;
    p->n_hops = n_ports;
    return p;
}

/* The plan from the files given at start, or from `file` instead of the farm or
 * prefix file (--reload-after). */
static struct plan *load_plan(const char *file)
{
    if (opt.farm)
        return farm_plan(file ? file : opt.farm, opt.steering);
    return prefix_plan(file ? file : opt.prefixes);
}

/* ---- the forwarding path ---- */

static bool is_extension(uint8_t nh)
{
    /* hop-by-hop, routing, fragment, ESP is payload, AH, destination options,
     * mobility, HIP, shim6 */
    return nh == 0 || nh == 43 || nh == 44 || nh == 51 || nh == 60 || nh == 135 || nh == 139 ||
           nh == 140;
}

/* The destination address of an IPv6 packet, or NULL with the reason it is not
 * steered. Reads only within the first segment's data. */
static const uint8_t *destination(const struct rte_mbuf *m, enum reason *why, bool *ext)
{
    const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
    uint32_t len = rte_pktmbuf_data_len(m), off = 12;
    if (len < RTE_ETHER_HDR_LEN) {
        *why = TRUNCATED;
        return NULL;
    }
    uint16_t type = (uint16_t)(p[12] << 8 | p[13]);
    for (int tags = 0; tags < 2 && (type == RTE_ETHER_TYPE_VLAN || type == RTE_ETHER_TYPE_QINQ); tags++) {
        off += 4;
        if (len < off + 2) {
            *why = TRUNCATED;
            return NULL;
        }
        type = (uint16_t)(p[off] << 8 | p[off + 1]);
    }
    off += 2;
    if (type != RTE_ETHER_TYPE_IPV6) {
        *why = NOT_IPV6;
        return NULL;
    }
    if (len - off < 40) {
        *why = TRUNCATED;
        return NULL;
    }
    const uint8_t *ip = p + off;
    if (ip[0] >> 4 != 6) {
        *why = MALFORMED;
        return NULL;
    }
    uint32_t payload = (uint32_t)(ip[4] << 8 | ip[5]);
    if (len - off - 40 < payload) {
        *why = TRUNCATED;
        return NULL;
    }
    /* a jumbogram (payload length 0 behind a hop-by-hop header) extends to the frame's end */
    uint32_t end = payload ? 40 + payload : len - off, at = 40;
    uint8_t nh = ip[6];
    int seen = 0;
    while (is_extension(nh)) {
        if (++seen > 8) {
            *why = MALFORMED; /* more extension headers than any sender needs */
            return NULL;
        }
        *ext = true;
        if (end - at < 8) {
            *why = TRUNCATED;
            return NULL;
        }
        uint32_t hl = nh == 44 ? 8 : nh == 51 ? (ip[at + 1] + 2u) * 4 : (ip[at + 1] + 1u) * 8;
        nh = ip[at];
        if (end - at < hl) {
            *why = TRUNCATED;
            return NULL;
        }
        at += hl;
    }
    return ip + 24;
}

struct txq {
    uint16_t n;
    struct rte_mbuf *m[BURST];
};

static void not_steered(struct rte_mbuf *m, enum reason why, struct txq *tx)
{
    bump(&stats.not_steered[why], 1);
    if (opt.exception_port >= 0)
        tx[opt.exception_port].m[tx[opt.exception_port].n++] = m;
    else
        rte_pktmbuf_free(m);
}

static void steer_burst(const struct plan *pl, struct rte_mbuf **pkts, uint16_t n)
{
    static struct txq tx[RTE_MAX_ETHPORTS];
    uint8_t addrs[BURST][16];
    int32_t idx[BURST];
    uint16_t at[BURST], k = 0;

    for (uint16_t i = 0; i < n; i++)
        rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
    for (uint16_t i = 0; i < n; i++) {
        enum reason why = MALFORMED;
        bool ext = false;
        const uint8_t *dst = destination(pkts[i], &why, &ext);
        if (ext)
            bump(&stats.extension_headers, 1);
        if (dst == NULL) {
            not_steered(pkts[i], why, tx);
            continue;
        }
        memcpy(addrs[k], dst, 16);
        at[k++] = i;
    }
    if (pl->table)
        mo_table_lookup_batch(pl->table, addrs[0], k, idx);
    else
        mo_prefix_map_lookup_batch(pl->map, addrs[0], k, idx);
    for (uint16_t j = 0; j < k; j++) {
        struct rte_mbuf *m = pkts[at[j]];
        int32_t v = idx[j];
        if (v < 0 || (uint32_t)v >= pl->n_hops || !pl->hops[v].valid) {
            not_steered(m, UNKNOWN_DESTINATION, tx);
            continue;
        }
        const struct hop *h = &pl->hops[v];
        struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
        eth->dst_addr = h->mac;
        eth->src_addr = port_mac[h->port];
        bump(&slots[h->slot].packets, 1);
        bump(&slots[h->slot].bytes, rte_pktmbuf_pkt_len(m));
        tx[h->port].m[tx[h->port].n++] = m;
    }
    for (uint16_t port = 0; port < n_ports; port++) {
        struct txq *q = &tx[port];
        if (q->n == 0)
            continue;
        uint16_t sent = rte_eth_tx_burst(port, 0, q->m, q->n);
        /* a full Tx ring: the rest is dropped and counted, never retried forever */
        for (uint16_t i = sent; i < q->n; i++)
            rte_pktmbuf_free(q->m[i]);
        if (sent < q->n)
            bump(&stats.tx_dropped, q->n - sent);
        q->n = 0;
    }
}

/* ---- control and worker ---- */

static _Atomic(struct plan *) pending; /* control -> worker */
static _Atomic(struct plan *) retired; /* worker -> control */
static atomic_bool quit, worker_done;
static volatile sig_atomic_t got_hup, got_usr1, got_stop;

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        got_hup = 1;
    else if (sig == SIGUSR1)
        got_usr1 = 1;
    else
        got_stop = 1;
}

/* Adopts `next` at a burst boundary: the old plan goes back to the control thread
 * (freeing a large table here would stall forwarding). */
static struct plan *adopt(struct plan *cur, struct plan *next)
{
    struct plan *unfreed = atomic_exchange_explicit(&retired, cur, memory_order_acq_rel);
    plan_free(unfreed); /* only when the control thread was slow to collect */
    atomic_fetch_add(&stats.reloads, 1);
    return next;
}

static int worker(void *arg)
{
    struct plan *cur = arg;
    struct rte_mbuf *pkts[BURST];
    uint64_t idle = 0, received = 0;
    bool reloaded = false;

    while (!atomic_load_explicit(&quit, memory_order_relaxed)) {
        struct plan *next = atomic_exchange_explicit(&pending, NULL, memory_order_acquire);
        if (next)
            cur = adopt(cur, next);
        bool any = false;
        for (uint16_t r = 0; r < opt.n_rx; r++) {
            uint16_t port = opt.rx_ports[r], want = BURST;
            if (opt.reload_after && !reloaded) {
                if (received == opt.reload_after) {
                    /* the test hook: reload right here, between packet N and N+1 */
                    reloaded = true;
                    struct plan *p = load_plan(opt.reload_file);
                    if (p)
                        cur = adopt(cur, p);
                    else
                        atomic_fetch_add(&stats.reload_failures, 1);
                } else if (opt.reload_after - received < BURST) {
                    want = (uint16_t)(opt.reload_after - received);
                }
            }
            uint16_t n = rte_eth_rx_burst(port, 0, pkts, want);
            if (n == 0)
                continue;
            any = true;
            received += n;
            bump(&stats.received, n);
            steer_burst(cur, pkts, n);
        }
        idle = any ? 0 : idle + 1;
        if (opt.idle_polls && idle >= opt.idle_polls)
            break;
    }
    plan_free(atomic_exchange_explicit(&retired, cur, memory_order_acq_rel));
    atomic_store_explicit(&worker_done, true, memory_order_release);
    return 0;
}

/* ---- counters out ---- */

static void json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c < 0x20)
            fprintf(out, "\\u%04x", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

static void print_stats(FILE *out)
{
    uint32_t n = atomic_load_explicit(&n_slots, memory_order_acquire);
    uint64_t steered = 0, not_steered = 0;
    for (uint32_t i = 0; i < n; i++)
        steered += get(&slots[i].packets);
    for (int r = 0; r < N_REASONS; r++)
        not_steered += get(&stats.not_steered[r]);
    if (opt.json) {
        fprintf(out,
                "{\"received\":%" PRIu64 ",\"steered\":%" PRIu64 ",\"not_steered\":%" PRIu64
                ",\"tx_dropped\":%" PRIu64 ",\"extension_headers\":%" PRIu64 ",\"reloads\":%" PRIu64
                ",\"reload_failures\":%" PRIu64 ",\"exception_port\":%d,\"targets\":[",
                get(&stats.received), steered, not_steered, get(&stats.tx_dropped), get(&stats.extension_headers),
                get(&stats.reloads), get(&stats.reload_failures), opt.exception_port);
        for (uint32_t i = 0; i < n; i++) {
            fputs(i ? ",{\"name\":" : "{\"name\":", out);
            json_string(out, slots[i].name);
            fprintf(out, ",\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64 "}", get(&slots[i].packets),
                    get(&slots[i].bytes));
        }
        fputs("],\"reasons\":{", out);
        for (int r = 0; r < N_REASONS; r++)
            fprintf(out, "%s\"%s\":%" PRIu64, r ? "," : "", reason_name[r], get(&stats.not_steered[r]));
        fputs("}}\n", out);
    } else {
        fprintf(out,
                "dpdk-steer: %" PRIu64 " received, %" PRIu64 " steered (%" PRIu64 " lost to full Tx rings), %" PRIu64
                " not steered (%s), %" PRIu64 " reloads, %" PRIu64 " failed reloads\n",
                get(&stats.received), steered, get(&stats.tx_dropped), not_steered,
                opt.exception_port >= 0 ? "sent to the exception port" : "dropped", get(&stats.reloads),
                get(&stats.reload_failures));
        for (uint32_t i = 0; i < n; i++)
            fprintf(out, "  %-24s %12" PRIu64 " packets %14" PRIu64 " bytes\n", slots[i].name,
                    get(&slots[i].packets), get(&slots[i].bytes));
        for (int r = 0; r < N_REASONS; r++)
            fprintf(out, "  not steered: %-19s %8" PRIu64 "\n", reason_name[r], get(&stats.not_steered[r]));
        fprintf(out, "  with extension headers   %12" PRIu64 "\n", get(&stats.extension_headers));
    }
    fflush(out);
}

/* ---- set-up ---- */

static int parse_args(int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool has = v != NULL;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage();
            exit(0);
        }
        if (!has) {
            fprintf(stderr, "dpdk-steer: %s needs a value\n", a);
            return -1;
        }
        i++;
        char *end;
        if (strcmp(a, "--farm") == 0) {
            opt.farm = v;
        } else if (strcmp(a, "--steering") == 0) {
            opt.steering = v;
        } else if (strcmp(a, "--prefixes") == 0) {
            opt.prefixes = v;
        } else if (strcmp(a, "--eth-dest") == 0) {
            const char *comma = strchr(v, ',');
            uint16_t port;
            char num[8] = {0};
            if (comma == NULL || comma - v >= (long)sizeof num) {
                fprintf(stderr, "dpdk-steer: --eth-dest wants PORT,MAC, such as 1,02:00:5e:10:00:01\n");
                return -1;
            }
            memcpy(num, v, (size_t)(comma - v));
            if (!parse_port(num, &port) || !parse_mac(comma + 1, &opt.eth_dest[port])) {
                fprintf(stderr, "dpdk-steer: --eth-dest %s: want PORT,MAC with a port of 0 to %u\n", v, n_ports - 1u);
                return -1;
            }
        } else if (strcmp(a, "--exception-port") == 0) {
            uint16_t port;
            if (!parse_port(v, &port)) {
                fprintf(stderr, "dpdk-steer: --exception-port %s: the ports are 0 to %u\n", v, n_ports - 1u);
                return -1;
            }
            opt.exception_port = port;
        } else if (strcmp(a, "--rx-port") == 0) {
            uint16_t port;
            if (!parse_port(v, &port) || opt.n_rx == RTE_MAX_ETHPORTS) {
                fprintf(stderr, "dpdk-steer: --rx-port %s: the ports are 0 to %u\n", v, n_ports - 1u);
                return -1;
            }
            opt.rx_ports[opt.n_rx++] = port;
        } else if (strcmp(a, "--reload-after") == 0) {
            errno = 0;
            opt.reload_after = strtoull(v, &end, 10);
            if (errno || end == v || *end != ':' || end[1] == '\0' || opt.reload_after == 0 || v[0] == '-') {
                fprintf(stderr, "dpdk-steer: --reload-after wants N:FILE with N >= 1\n");
                return -1;
            }
            opt.reload_file = end + 1;
        } else if (strcmp(a, "--idle-polls") == 0) {
            errno = 0;
            opt.idle_polls = strtoull(v, &end, 10);
            if (errno || end == v || *end || v[0] == '-') {
                fprintf(stderr, "dpdk-steer: --idle-polls wants a count\n");
                return -1;
            }
        } else if (strcmp(a, "--stats-format") == 0) {
            if (strcmp(v, "json") != 0 && strcmp(v, "text") != 0) {
                fprintf(stderr, "dpdk-steer: --stats-format is text or json\n");
                return -1;
            }
            opt.json = strcmp(v, "json") == 0;
        } else {
            fprintf(stderr, "dpdk-steer: unknown option %s\n", a);
            usage();
            return -1;
        }
    }
    if (opt.n_rx == 0)
        for (uint16_t p = 0; p < n_ports; p++)
            opt.rx_ports[opt.n_rx++] = p;
    if (!!opt.farm == !!opt.prefixes || (opt.farm && !opt.steering)) {
        fprintf(stderr, "dpdk-steer: give --farm FARM --steering FILE, or --prefixes FILE\n");
        usage();
        return -1;
    }
    return 0;
}

static int port_init(uint16_t port, struct rte_mempool *pool)
{
    struct rte_eth_conf conf = {0};
    int r = rte_eth_dev_configure(port, 1, 1, &conf);
    uint16_t rxd = RX_RING, txd = TX_RING;
    if (r == 0)
        r = rte_eth_dev_adjust_nb_rx_tx_desc(port, &rxd, &txd);
    if (r == 0)
        r = rte_eth_rx_queue_setup(port, 0, rxd, rte_eth_dev_socket_id(port), NULL, pool);
    if (r == 0)
        r = rte_eth_tx_queue_setup(port, 0, txd, rte_eth_dev_socket_id(port), NULL);
    if (r == 0)
        r = rte_eth_dev_start(port);
    if (r == 0)
        r = rte_eth_macaddr_get(port, &port_mac[port]);
    if (r != 0)
        fprintf(stderr, "dpdk-steer: port %u: %s\n", port, rte_strerror(-r));
    return r;
}

/* Closes every port (which flushes and closes pcap files) and the EAL. */
static int finish(int status)
{
    for (uint16_t port = 0; port < n_ports; port++) {
        rte_eth_dev_stop(port);
        rte_eth_dev_close(port);
    }
    rte_eal_cleanup();
    return status;
}

int main(int argc, char **argv)
{
    rte_openlog_stream(stderr); /* stdout carries the counters only */
    int eal = rte_eal_init(argc, argv);
    if (eal < 0) {
        fprintf(stderr, "dpdk-steer: EAL initialisation failed: %s\n", rte_strerror(rte_errno));
        return 2;
    }
    n_ports = rte_eth_dev_count_avail();
    if (n_ports == 0) {
        fprintf(stderr, "dpdk-steer: no ports: give NICs or --vdev devices (net_pcap0,rx_pcap=in.pcap,...)\n");
        return finish(2);
    }
    for (uint16_t i = 0; i < n_ports; i++)
        opt.eth_dest[i] = (struct rte_ether_addr){{0x02, 0, 0, 0, 0, (uint8_t)i}}; /* as l3fwd */
    if (parse_args(argc - eal - 1, argv + eal + 1) != 0)
        return finish(2);
    unsigned lcore = rte_get_next_lcore(rte_get_main_lcore(), 1, 0);
    if (lcore >= RTE_MAX_LCORE) {
        fprintf(stderr, "dpdk-steer: needs two lcores (-l 0,1): one forwards, the main one reloads and reports\n");
        return finish(2);
    }
    struct rte_mempool *pool =
        rte_pktmbuf_pool_create("mbufs", POOL_SIZE, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
    if (pool == NULL) {
        fprintf(stderr, "dpdk-steer: mbuf pool: %s\n", rte_strerror(rte_errno));
        return finish(2);
    }
    struct plan *plan = load_plan(NULL);
    if (plan == NULL)
        return finish(1);
    for (uint16_t port = 0; port < n_ports; port++)
        if (port_init(port, pool) != 0) {
            plan_free(plan);
            return finish(2);
        }

    signal(SIGHUP, on_signal);
    signal(SIGUSR1, on_signal);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    rte_eal_remote_launch(worker, plan, lcore);
    fprintf(stderr, "dpdk-steer: forwarding on %u ports, lcore %u (SIGHUP reloads, SIGUSR1 prints the counters)\n",
            n_ports, lcore);
    const struct timespec tick = {0, 1000000}; /* 1 ms */
    while (!atomic_load_explicit(&worker_done, memory_order_acquire)) {
        nanosleep(&tick, NULL);
        if (got_stop)
            atomic_store_explicit(&quit, true, memory_order_relaxed);
        if (got_hup) {
            got_hup = 0;
            struct plan *next = load_plan(NULL);
            if (next == NULL) {
                atomic_fetch_add(&stats.reload_failures, 1);
                fprintf(stderr, "dpdk-steer: reload failed; still forwarding with the previous table\n");
            } else {
                plan_free(atomic_exchange_explicit(&pending, next, memory_order_acq_rel));
            }
        }
        plan_free(atomic_exchange_explicit(&retired, NULL, memory_order_acquire));
        if (got_usr1) {
            got_usr1 = 0;
            print_stats(stdout);
        }
    }
    rte_eal_wait_lcore(lcore);
    plan_free(atomic_exchange(&retired, NULL));
    plan_free(atomic_exchange(&pending, NULL));
    finish(0);
    print_stats(stdout);
    return 0;
}
