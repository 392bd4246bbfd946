/* Benchmark: libmanageout's prefix map against DPDK's rte_lpm6 on the real RIS
 * table (data/ris/, decompressed by bench/run), same prefixes and queries, same run.
 * Not a test.
 * Build and run with bindings-c/bench/run (needs Debian's libdpdk-dev).
 * Queries: 1M addresses, 90% inside random prefixes of the table, 10% uniform in
 * 2000::/3; single lookups and bulk (blocks of 64, rte_lpm6_lookup_bulk_func's
 * typical burst). Every answer is cross-checked before timing. */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_eal.h>
#include <rte_lpm6.h>

#include "manageout.h"

#define NQ 1000000
#define BURST 64

static uint64_t s = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void) {
  s ^= s << 13;
  s ^= s >> 7;
  s ^= s << 17;
  return s;
}
static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "target/cbench/ris.txt";
  char *eal[] = {"bench", "--no-huge", "--no-pci", "--no-shconf", "--no-telemetry", "-m", "3072", "-l", "0", "--log-level", "1"};
  if (rte_eal_init((int)(sizeof eal / sizeof eal[0]), eal) < 0) {
    fprintf(stderr, "rte_eal_init failed\n");
    return 1;
  }
  FILE *f = fopen(path, "r");
  if (!f) {
    perror(path);
    return 1;
  }
  size_t cap = 300000, n = 0;
  mo_prefix *p = calloc(cap, sizeof *p);
  char line[128];
  while (fgets(line, sizeof line, f) && n < cap) {
    char *slash = strchr(line, '/');
    if (!slash) continue;
    *slash = 0;
    if (inet_pton(AF_INET6, line, p[n].addr) != 1) continue;
    p[n].len = (uint8_t)atoi(slash + 1);
    p[n].value = (uint32_t)n;
    n++;
  }
  fclose(f);

  double t0 = now();
  const mo_prefix_map *m = NULL;
  if (mo_prefix_map_new(p, n, &m) != MO_OK) {
    fprintf(stderr, "mo_prefix_map_new failed\n");
    return 1;
  }
  double build_mo = now() - t0;

  struct rte_lpm6_config cfg = {.max_rules = (uint32_t)n + 16, .number_tbl8s = 1u << 19, .flags = 0};
  t0 = now();
  struct rte_lpm6 *lpm = rte_lpm6_create("ris", 0, &cfg);
  if (!lpm) {
    fprintf(stderr, "rte_lpm6_create failed\n");
    return 1;
  }
  for (size_t i = 0; i < n; i++) {
    if (rte_lpm6_add(lpm, p[i].addr, p[i].len, (uint32_t)i) < 0) {
      fprintf(stderr, "rte_lpm6_add failed at %zu (out of tbl8s?)\n", i);
      return 1;
    }
  }
  double build_lpm = now() - t0;

  uint8_t(*q)[16] = malloc(sizeof(*q) * NQ);
  for (size_t i = 0; i < NQ; i++) {
    uint64_t hi = rnd(), lo = rnd();
    if (rnd() % 10 == 0) {
      hi = (hi >> 3) | (1ull << 61); /* 2000::/3 */
      for (int b = 0; b < 8; b++) { q[i][b] = (uint8_t)(hi >> (56 - 8 * b)); q[i][8 + b] = (uint8_t)(lo >> (56 - 8 * b)); }
    } else {
      const mo_prefix *e = &p[rnd() % n];
      for (int b = 0; b < 8; b++) { q[i][b] = (uint8_t)(hi >> (56 - 8 * b)); q[i][8 + b] = (uint8_t)(lo >> (56 - 8 * b)); }
      for (int b = 0; b < 16; b++) {
        int bits = e->len - 8 * b;
        uint8_t mask = bits >= 8 ? 0xff : bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
        q[i][b] = (uint8_t)((e->addr[b] & mask) | (q[i][b] & (uint8_t)~mask));
      }
    }
  }
  int32_t *a = malloc(sizeof(int32_t) * NQ), *b = malloc(sizeof(int32_t) * NQ);
  /* cross-check */
  rte_lpm6_lookup_bulk_func(lpm, q, b, NQ);
  mo_prefix_map_lookup_batch(m, (const uint8_t *)q, NQ, a);
  for (size_t i = 0; i < NQ; i++) {
    if (a[i] != b[i]) {
      fprintf(stderr, "mismatch at %zu: manageout %d, rte_lpm6 %d\n", i, a[i], b[i]);
      return 1;
    }
  }
  double best[4] = {1e9, 1e9, 1e9, 1e9};
  volatile int64_t sink = 0;
  for (int rep = 0; rep < 5; rep++) {
    t0 = now();
    for (size_t i = 0; i < NQ; i++) sink += mo_prefix_map_lookup(m, q[i]);
    double d = now() - t0; if (d < best[0]) best[0] = d;
    t0 = now();
    for (size_t i = 0; i < NQ; i += BURST) mo_prefix_map_lookup_batch(m, (const uint8_t *)q[i], BURST, a + i);
    d = now() - t0; if (d < best[1]) best[1] = d;
    t0 = now();
    for (size_t i = 0; i < NQ; i++) { uint32_t nh; sink += rte_lpm6_lookup(lpm, q[i], &nh) == 0 ? (int)nh : -1; }
    d = now() - t0; if (d < best[2]) best[2] = d;
    t0 = now();
    for (size_t i = 0; i < NQ; i += BURST) rte_lpm6_lookup_bulk_func(lpm, &q[i], b + i, BURST);
    d = now() - t0; if (d < best[3]) best[3] = d;
  }
  printf("ris: %zu prefixes, %d queries (best of 5, ns per lookup)\n", n, NQ);
  printf("  build            manageout %.3f s   rte_lpm6 %.3f s\n", build_mo, build_lpm);
  printf("  single           manageout %6.1f   rte_lpm6 %6.1f   ratio lpm6/manageout %.2fx\n",
         best[0] * 1e9 / NQ, best[2] * 1e9 / NQ, best[2] / best[0]);
  printf("  bulk (%d)        manageout %6.1f   rte_lpm6 %6.1f   ratio lpm6/manageout %.2fx\n", BURST,
         best[1] * 1e9 / NQ, best[3] * 1e9 / NQ, best[3] / best[1]);
  mo_prefix_map_free(m);
  rte_lpm6_free(lpm);
  free(p); free(q); free(a); free(b);
  rte_eal_cleanup();
  return 0;
}
