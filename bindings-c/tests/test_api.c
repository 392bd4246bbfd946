/* Tests of the libmanageout C API: plain C11, -Wall -Wextra -Werror, run under
 * AddressSanitizer + UBSan and under valgrind by bindings-c/tests/run.
 * Run from the repository root (the example farms are read by relative path). */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manageout.h"

static int passed, failed;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (cond) {                                                                \
      passed++;                                                                \
    } else {                                                                   \
      failed++;                                                                \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                          \
  } while (0)

static void addr(const char *text, uint8_t out[16]) {
  if (inet_pton(AF_INET6, text, out) != 1) {
    fprintf(stderr, "bad test address %s\n", text);
    exit(2);
  }
}

static char *last_error(void) {
  size_t n = mo_last_error(NULL, 0);
  char *buf = malloc(n + 1);
  size_t m = mo_last_error(buf, n + 1);
  if (m != n || strlen(buf) != n) {
    failed++;
  }
  return buf;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t next_u64(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

static void test_version(void) {
  CHECK(mo_version() != NULL && strlen(mo_version()) > 0);
  CHECK(strcmp(mo_result_name(MO_ERR_INVALID_FARM), "MO_ERR_INVALID_FARM") == 0);
  /* any integer is a defined answer, never undefined behaviour */
  CHECK(strcmp(mo_result_name(99), "MO_UNKNOWN_RESULT") == 0);
  CHECK(strcmp(mo_result_name(-1), "MO_UNKNOWN_RESULT") == 0);
}

static void test_lookup_of_the_fixed_article_farm(void) {
  const mo_table *t = NULL;
  CHECK(mo_table_from_file("examples/seed-fixed.toml", &t) == MO_OK);
  CHECK(t != NULL);
  CHECK(mo_table_len(t) == 2);
  uint8_t a[16], nh[16], want[16];
  addr("2131:0:0:1005::1", a);
  CHECK(mo_table_lookup(t, a) == 0);
  CHECK(strcmp(mo_table_server_name(t, 0), "DA1") == 0);
  CHECK(mo_table_server_address(t, 0, nh) == MO_OK);
  addr("2131::101", want);
  CHECK(memcmp(nh, want, 16) == 0);
  addr("2131:0:0:103f:ffff:ffff:ffff:ffff", a);
  CHECK(mo_table_lookup(t, a) == 1);
  addr("2131:0:0:1040::", a);
  CHECK(mo_table_lookup(t, a) == -1);
  /* out of range */
  CHECK(mo_table_server_name(t, 2) == NULL);
  CHECK(mo_table_server_address(t, 2, nh) == MO_ERR_BOUNDS);
  char *e = last_error();
  CHECK(strstr(e, "out of range") != NULL);
  free(e);
  mo_table_free(t);
}

static void test_multisite_teredo(void) {
  const mo_table *t = NULL;
  CHECK(mo_table_from_file("examples/multisite.toml", &t) == MO_OK); /* warnings only */
  uint8_t a[16];
  addr("2001:0:836b:14::1", a);
  CHECK(mo_table_lookup(t, a) == 1);
  CHECK(strcmp(mo_table_server_name(t, 1), "2-EDGE1") == 0);
  mo_table_free(t);
}

/* A load-balanced cluster: each node's /64 goes to the node's own address;
 * the rest of the cluster's /59 (and the VIP) to no one. */
static void test_cluster_nodes(void) {
  const mo_table *t = NULL;
  CHECK(mo_table_from_file("examples/cluster.toml", &t) == MO_OK);
  CHECK(mo_table_len(t) == 2);
  uint8_t a[16], nh[16], want[16];
  mo_router *r = NULL;
  CHECK(mo_router_new(mo_table_clone(t), &r) == MO_OK);
  addr("2131:0:0:1001:ffff::1", a);
  CHECK(mo_table_lookup(t, a) == 1);
  CHECK(strcmp(mo_table_server_name(t, 1), "DA-NODE2") == 0);
  CHECK(mo_router_lookup_next_hop(r, a, nh) == 1);
  addr("2131::12", want);
  CHECK(memcmp(nh, want, 16) == 0);
  addr("2131:0:0:1000::7", a);
  CHECK(mo_router_lookup_next_hop(r, a, nh) == 0);
  addr("2131::11", want);
  CHECK(memcmp(nh, want, 16) == 0);
  addr("2131:0:0:1011::7", a);
  CHECK(mo_table_lookup(t, a) == -1);
  mo_router_free(r);
  mo_table_free(t);
}

/* The corporate routes' exact cover: siblings merged, nested dropped; the
 * length comes back also when the room is too small. */
static void test_aggregate(void) {
  struct mo_prefix in[3], out[4];
  memset(in, 0, sizeof in);
  addr("2131:0:0:1000::", in[0].addr);
  in[0].len = 59;
  addr("2131:0:0:1020::", in[1].addr);
  in[1].len = 59;
  addr("2131:0:0:1005::", in[2].addr);
  in[2].len = 64;
  size_t n = 99;
  CHECK(mo_aggregate(in, 3, NULL, 0, &n) == MO_ERR_BOUNDS);
  CHECK(n == 1);
  CHECK(mo_aggregate(in, 3, out, 4, &n) == MO_OK);
  uint8_t want[16];
  addr("2131:0:0:1000::", want);
  CHECK(n == 1 && out[0].len == 58 && memcmp(out[0].addr, want, 16) == 0);
  in[0].len = 129;
  CHECK(mo_aggregate(in, 3, out, 4, &n) == MO_ERR_INVALID_PREFIX);
  CHECK(mo_aggregate(NULL, 3, out, 4, &n) == MO_ERR_NULL);
  CHECK(mo_aggregate(in, 3, out, 4, NULL) == MO_ERR_NULL);
  /* a farm: the cluster's two node /64s are siblings */
  const mo_table *t = NULL;
  CHECK(mo_table_from_file("examples/cluster.toml", &t) == MO_OK);
  CHECK(mo_table_cover(t, out, 4, &n) == MO_OK);
  addr("2131:0:0:1000::", want);
  CHECK(n == 1 && out[0].len == 63 && memcmp(out[0].addr, want, 16) == 0);
  CHECK(mo_table_cover(NULL, out, 4, &n) == MO_ERR_NULL);
  mo_table_free(t);
}

static void test_errors(void) {
  const mo_table *t = NULL;
  CHECK(mo_table_from_file("examples/no-such-farm.toml", &t) == MO_ERR_IO);
  CHECK(t == NULL);
  char *e = last_error();
  CHECK(strstr(e, "no-such-farm.toml") != NULL);
  free(e);

  CHECK(mo_table_from_file("examples/seed.toml", &t) == MO_ERR_INVALID_FARM);
  CHECK(t == NULL);
  e = last_error();
  CHECK(strstr(e, "error[MO012]") != NULL);
  CHECK(strstr(e, "2131:0:0:1020::/59") != NULL);
  free(e);

  const char *bad = "[[server]\nname = 1";
  CHECK(mo_table_from_str(bad, strlen(bad), &t) == MO_ERR_PARSE);
  e = last_error();
  CHECK(strstr(e, "MO001") != NULL);
  free(e);

  /* a buffer too small is truncated and NUL-terminated */
  char small[8];
  size_t full = mo_last_error(small, sizeof small);
  CHECK(full > sizeof small && strlen(small) == sizeof small - 1);

  const char *json = "{\"server\": [{\"name\": \"DA1\", \"address\": \"2131::101\", "
                     "\"client_prefix\": \"2131:0:0:1000::/59\"}]}";
  CHECK(mo_table_from_str(json, strlen(json), &t) == MO_OK);
  mo_table_free(t);
}

static void test_nulls(void) {
  const mo_table *t = NULL;
  uint8_t a[16] = {0};
  int32_t out[1] = {7};
  CHECK(mo_table_from_file(NULL, &t) == MO_ERR_NULL);
  CHECK(mo_table_from_file("examples/seed-fixed.toml", NULL) == MO_ERR_NULL);
  CHECK(mo_table_from_str(NULL, 0, &t) == MO_ERR_NULL);
  CHECK(mo_table_lookup(NULL, a) == -1);
  CHECK(mo_table_len(NULL) == 0);
  CHECK(mo_table_server_name(NULL, 0) == NULL);
  CHECK(mo_table_server_address(NULL, 0, a) == MO_ERR_NULL);
  CHECK(mo_table_clone(NULL) == NULL);
  mo_table_lookup_batch(NULL, a, 1, out);
  CHECK(out[0] == 7);
  CHECK(mo_router_lookup(NULL, a) == -1);
  CHECK(mo_router_lookup_next_hop(NULL, a, a) == -1);
  CHECK(mo_router_current(NULL) == NULL);
  CHECK(mo_router_new(NULL, NULL) == MO_ERR_NULL);
  CHECK(mo_router_swap(NULL, NULL) == MO_ERR_NULL);
  CHECK(mo_prefix_map_lookup(NULL, a) == -1);
  CHECK(mo_prefix_map_new(NULL, 1, NULL) == MO_ERR_NULL);
  mo_table_free(NULL);
  mo_router_free(NULL);
  mo_prefix_map_free(NULL);
  CHECK(mo_table_from_file("examples/seed-fixed.toml", &t) == MO_OK);
  CHECK(mo_table_lookup(t, NULL) == -1);
  CHECK(mo_table_server_address(t, 0, NULL) == MO_ERR_NULL);
  mo_table_lookup_batch(t, NULL, 1, out);
  mo_table_lookup_batch(t, a, 1, NULL);
  CHECK(out[0] == 7);
  mo_table_free(t);
}

static size_t BATCH = 1000000;
static void test_batch_of_a_million_matches_single_lookups(void) {
  const mo_table *t = NULL;
  CHECK(mo_table_from_file("examples/seed-fixed.toml", &t) == MO_OK);
  uint8_t *addrs = malloc(BATCH * 16);
  int32_t *out = malloc(sizeof(int32_t) * BATCH);
  for (size_t i = 0; i < BATCH; i++) {
    uint8_t *p = addrs + i * 16;
    addr("2131:0:0:1000::", p);
    uint64_t r = next_u64();
    p[6] = 0x10; /* 2131:0:0:1000::/57: half inside the two /59s, half beside */
    p[7] = (uint8_t)((r >> 8) & 0x7f);
    memcpy(p + 8, &r, 8);
  }
  mo_table_lookup_batch(t, addrs, BATCH, out);
  size_t mismatches = 0, hits = 0;
  for (size_t i = 0; i < BATCH; i++) {
    int32_t one = mo_table_lookup(t, addrs + i * 16);
    mismatches += (one != out[i]);
    hits += (one >= 0);
  }
  CHECK(mismatches == 0);
  CHECK(hits > BATCH / 8 && hits < BATCH);
  free(addrs);
  free(out);
  mo_table_free(t);
}

static void test_prefix_map(void) {
  mo_prefix p[3];
  memset(p, 0, sizeof p);
  addr("2001:db8::", p[0].addr);
  p[0].len = 32;
  p[0].value = 7;
  addr("2001:db8:1::", p[1].addr);
  p[1].len = 48;
  p[1].value = 9;
  addr("2001:db8:1::", p[2].addr);
  p[2].len = 48;
  p[2].value = 11; /* duplicate: the last value wins */
  const mo_prefix_map *m = NULL;
  CHECK(mo_prefix_map_new(p, 3, &m) == MO_OK);
  CHECK(mo_prefix_map_len(m) == 2);
  uint8_t a[32];
  addr("2001:db8:1::1", a);
  addr("2001:db8:2::1", a + 16);
  CHECK(mo_prefix_map_lookup(m, a) == 11);
  CHECK(mo_prefix_map_lookup(m, a + 16) == 7);
  int32_t out[2];
  mo_prefix_map_lookup_batch(m, a, 2, out);
  CHECK(out[0] == 11 && out[1] == 7);
  mo_prefix_map_free(m);

  const mo_prefix_map *bad = NULL;
  p[0].len = 16; /* 2001:db8::/16 has host bits set */
  CHECK(mo_prefix_map_new(p, 1, &bad) == MO_ERR_INVALID_PREFIX);
  char *e = last_error();
  CHECK(strstr(e, "host bits") != NULL);
  free(e);
  p[0].len = 129;
  CHECK(mo_prefix_map_new(p, 1, &bad) == MO_ERR_INVALID_PREFIX);
  p[0].len = 32;
  p[0].value = 0x80000000u;
  CHECK(mo_prefix_map_new(p, 1, &bad) == MO_ERR_INVALID_VALUE);
  CHECK(bad == NULL);
  /* a count larger than allowed is refused before anything is read */
  CHECK(mo_prefix_map_new(p, SIZE_MAX, &bad) == MO_ERR_INVALID_VALUE);
  CHECK(bad == NULL);
  e = last_error();
  CHECK(strstr(e, "at most") != NULL);
  free(e);
  CHECK(mo_prefix_map_new(NULL, 0, &bad) == MO_OK); /* an empty map */
  int32_t one[1] = {7};
  mo_prefix_map_lookup_batch(bad, a, SIZE_MAX, one); /* larger than any object: refused */
  CHECK(one[0] == 7);
  const mo_prefix_map *again = mo_prefix_map_clone(bad);
  CHECK(again == bad);
  mo_prefix_map_free(again);
  CHECK(mo_prefix_map_lookup(bad, a) == -1);
  mo_prefix_map_free(bad);
}

/* mo_prefix_map_apply: the next map; the old one answers as before */
static void test_prefix_map_apply(void) {
  mo_prefix p[1];
  memset(p, 0, sizeof p);
  addr("2001:db8::", p[0].addr);
  p[0].len = 32;
  p[0].value = 7;
  const mo_prefix_map *m = NULL;
  CHECK(mo_prefix_map_new(p, 1, &m) == MO_OK);
  mo_change c[3];
  memset(c, 0, sizeof c);
  addr("2001:db8:1::", c[0].addr); /* announce a /48 inside */
  c[0].len = 48;
  c[0].value = 9;
  addr("2001:db8::", c[1].addr); /* withdraw the /32 */
  c[1].len = 32;
  c[1].withdraw = 1;
  addr("2001:db8:2::", c[2].addr); /* withdraw what is not there: nothing */
  c[2].len = 48;
  c[2].withdraw = 1;
  const mo_prefix_map *next = NULL;
  CHECK(mo_prefix_map_apply(m, c, 3, &next) == MO_OK);
  CHECK(next != NULL && next != m);
  CHECK(mo_prefix_map_len(next) == 1);
  uint8_t a[32];
  addr("2001:db8:1::1", a);
  addr("2001:db8:2::1", a + 16);
  int32_t out[2];
  mo_prefix_map_lookup_batch(next, a, 2, out);
  CHECK(out[0] == 9 && out[1] == -1);
  mo_prefix_map_lookup_batch(m, a, 2, out);
  CHECK(out[0] == 7 && out[1] == 7);

  /* refused, with nothing applied and nothing written */
  const mo_prefix_map *bad = NULL;
  c[0].withdraw = 2;
  CHECK(mo_prefix_map_apply(m, c, 1, &bad) == MO_ERR_INVALID_VALUE);
  char *e = last_error();
  CHECK(strstr(e, "withdraw is 2") != NULL);
  free(e);
  c[0].withdraw = 0;
  c[0].len = 16; /* host bits */
  CHECK(mo_prefix_map_apply(m, c, 1, &bad) == MO_ERR_INVALID_PREFIX);
  c[0].len = 48;
  c[0].value = 0x80000000u;
  CHECK(mo_prefix_map_apply(m, c, 1, &bad) == MO_ERR_INVALID_VALUE);
  CHECK(mo_prefix_map_apply(m, c, SIZE_MAX, &bad) == MO_ERR_INVALID_VALUE);
  CHECK(bad == NULL);
  CHECK(mo_prefix_map_apply(NULL, c, 1, &bad) == MO_ERR_NULL);
  CHECK(mo_prefix_map_apply(m, NULL, 1, &bad) == MO_ERR_NULL);
  CHECK(mo_prefix_map_apply(m, c, 1, NULL) == MO_ERR_NULL);
  CHECK(mo_prefix_map_apply(m, NULL, 0, &bad) == MO_OK); /* no changes: a copy */
  CHECK(mo_prefix_map_lookup(bad, a) == 7);
  mo_prefix_map_free(bad);
  mo_prefix_map_free(next);
  mo_prefix_map_free(m);
}

/* Table B lists the servers in the other order: for a client of 2131:0:0:1000::/59
 * table A answers (0, 2131::101) and table B (1, 2131::101); for 1020::/59 A says
 * (1, 2131::201) and B (0, 2131::201). A reader must never see a mix. */
static const char *FARM_B = "[[server]]\nname = \"DA2\"\naddress = \"2131::201\"\n"
                            "client_prefix = \"2131:0:0:1020::/59\"\n\n[[server]]\n"
                            "name = \"DA1\"\naddress = \"2131::101\"\n"
                            "client_prefix = \"2131:0:0:1000::/59\"\n";

struct reader {
  mo_router *router;
  atomic_int *stop;
  atomic_int *started;
  atomic_int saw_a, saw_b; /* which tables this reader has answered from */
  long lookups;
  long bad;
};

static void *read_loop(void *arg) {
  struct reader *r = arg;
  uint8_t a1[16], a2[16], nh[16], h1[16], h2[16];
  addr("2131:0:0:1005::1", a1);
  addr("2131:0:0:1025::1", a2);
  addr("2131::101", h1);
  addr("2131::201", h2);
  atomic_fetch_add(r->started, 1);
  while (!atomic_load(r->stop)) {
    int32_t i = mo_router_lookup_next_hop(r->router, a1, nh);
    r->bad += !((i == 0 || i == 1) && memcmp(nh, h1, 16) == 0);
    /* table A lists DA1 first, table B second */
    if (i == 0) {
      atomic_store(&r->saw_a, 1);
    } else if (i == 1) {
      atomic_store(&r->saw_b, 1);
    }
    i = mo_router_lookup_next_hop(r->router, a2, nh);
    r->bad += !((i == 0 || i == 1) && memcmp(nh, h2, 16) == 0);
    /* a snapshot: index and name from the same table */
    const mo_table *snap = mo_router_current(r->router);
    i = mo_table_lookup(snap, a1);
    r->bad += strcmp(mo_table_server_name(snap, (size_t)i), "DA1") != 0;
    mo_table_free(snap);
    r->lookups += 3;
  }
  return NULL;
}

/* Deterministic whatever the scheduling: the readers say they started, and the
 * writer swaps (at least `swaps` times) until every reader has answered from both
 * tables; what is asserted then holds on every run. */
static void test_reload_under_concurrent_lookups(int swaps) {
  const mo_table *a = NULL, *b = NULL;
  CHECK(mo_table_from_file("examples/seed-fixed.toml", &a) == MO_OK);
  CHECK(mo_table_from_str(FARM_B, strlen(FARM_B), &b) == MO_OK);
  mo_router *router = NULL;
  CHECK(mo_router_new(mo_table_clone(a), &router) == MO_OK);
  atomic_int stop = 0, started = 0;
  enum { READERS = 4 };
  struct reader readers[READERS];
  pthread_t threads[READERS];
  for (int i = 0; i < READERS; i++) {
    readers[i].router = router;
    readers[i].stop = &stop;
    readers[i].started = &started;
    atomic_init(&readers[i].saw_a, 0);
    atomic_init(&readers[i].saw_b, 0);
    readers[i].lookups = 0;
    readers[i].bad = 0;
    pthread_create(&threads[i], NULL, read_loop, &readers[i]);
  }
  while (atomic_load(&started) < READERS) {
    sched_yield();
  }
  int swap_errors = 0;
  long done = 0;
  for (;;) {
    int all = 1;
    for (int i = 0; i < READERS; i++) {
      all &= atomic_load(&readers[i].saw_a) && atomic_load(&readers[i].saw_b);
    }
    if (all && done >= swaps) {
      break;
    }
    swap_errors += mo_router_swap(router, mo_table_clone(done % 2 ? a : b)) != MO_OK;
    done++;
    sched_yield();
  }
  CHECK(swap_errors == 0);
  atomic_store(&stop, 1);
  long bad = 0;
  for (int i = 0; i < READERS; i++) {
    pthread_join(threads[i], NULL);
    bad += readers[i].bad;
    CHECK(readers[i].lookups > 0);
  }
  CHECK(bad == 0);
  mo_router_free(router);
  mo_table_free(a);
  mo_table_free(b);
}

int main(int argc, char **argv) {
  /* test_api [SWAPS [BATCH]]: valgrind runs use fewer of both */
  int swaps = argc > 1 ? atoi(argv[1]) : 10000;
  if (argc > 2) {
    BATCH = (size_t)strtoul(argv[2], NULL, 10);
  }
  test_version();
  test_lookup_of_the_fixed_article_farm();
  test_multisite_teredo();
  test_cluster_nodes();
  test_aggregate();
  test_errors();
  test_nulls();
  test_batch_of_a_million_matches_single_lookups();
  test_prefix_map();
  test_prefix_map_apply();
  test_reload_under_concurrent_lookups(swaps);
  printf("c: %d passed, %d failed\n", passed, failed);
  return failed != 0;
}
