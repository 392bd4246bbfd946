/* steer: the smallest useful Manage Out appliance. Reads IPv6 addresses on stdin,
 * one per line, and prints "<address> <next hop> <server>" for each ("- -" when no
 * DA server owns it). Reload the farm without stopping lookups: send SIGHUP.
 *
 *   cc steer.c $(pkg-config --cflags --libs manageout) -o steer
 *   ./steer farm.toml < addresses.txt
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <manageout.h>

static volatile sig_atomic_t reload;
static void on_hup(int sig) { (void)sig; reload = 1; }

static void print_error(const char *what) {
  char buf[4096];
  mo_last_error(buf, sizeof buf);
  fprintf(stderr, "%s:\n%s\n", what, buf);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s FARM < addresses\n", argv[0]);
    return 2;
  }
  const mo_table *table = NULL;
  if (mo_table_from_file(argv[1], &table) != MO_OK) {
    print_error("cannot load the farm");
    return 1;
  }
  mo_router *router = NULL;
  if (mo_router_new(table, &router) != MO_OK) {
    print_error("cannot create the router");
    return 1;
  }
  signal(SIGHUP, on_hup);
  char line[256];
  while (fgets(line, sizeof line, stdin)) {
    if (reload) {
      reload = 0;
      const mo_table *fresh = NULL;
      if (mo_table_from_file(argv[1], &fresh) == MO_OK) {
        mo_router_swap(router, fresh);
      } else {
        print_error("reload failed; keeping the current farm");
      }
    }
    line[strcspn(line, "\r\n")] = 0;
    uint8_t addr[16], hop[16];
    if (inet_pton(AF_INET6, line, addr) != 1) {
      fprintf(stderr, "not an IPv6 address: %s\n", line);
      continue;
    }
    int32_t idx = mo_router_lookup_next_hop(router, addr, hop);
    if (idx < 0) {
      printf("%s - -\n", line);
      continue;
    }
    char text[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, hop, text, sizeof text);
    const mo_table *snap = mo_router_current(router);
    printf("%s %s %s\n", line, text, mo_table_server_name(snap, (size_t)idx));
    mo_table_free(snap);
  }
  mo_router_free(router);
  return 0;
}
