/*
 * pathmon's probe sender helper: takes a whole round (one prebuilt probe per path, the count and the
 * interval) from the engine in one message, then paces, stamps and sends every probe itself and
 * reports each send time back.
 *
 * Why a helper: from Node each raw send costs ~6-7 us (the binding's argument checks, the address
 * parse, the call into C) against ~4.7 us for the same sendto() from C, and every microsecond on the
 * sending thread is one the engine cannot spend matching replies. Handing the round over once moves
 * the per-probe work off the event loop entirely; the engine only reads 16-byte send reports in large
 * chunks. The send time is still taken per probe, immediately before its own sendto(), so no probe's
 * stamp is shared with another's (sendmmsg would stamp a whole batch with one time, off by the
 * kernel's per-packet cost times its place in the batch: tens of microseconds at 64).
 *
 * stdin, a round (host byte order):
 *   u32 magic 0x31585450 ("PTX1") | u32 pathCount | u32 count | u32 reserved | u64 intervalNs
 *   per path: 4 bytes first hop (network order) | u16 length | u16 sequenceAt | u16 checksumAt
 *             | u16 reserved | the packet (length bytes)
 * Probe index i goes to path i % pathCount with sequence i / pathCount, due at
 * (i / pathCount) * intervalNs + (i % pathCount) * intervalNs / pathCount after the round starts:
 * the engine's own schedule. Per probe the helper writes the sequence (u32 BE) at sequenceAt and the
 * send time (u64 BE, CLOCK_MONOTONIC = Node's process.hrtime) after it, and patches the UDP checksum
 * at checksumAt by RFC 1624.
 * stdout: "ready\n", then per probe a 16-byte record u32 slot (path * count + sequence) | u32 errno
 * (0 = sent) | u64 send time ns, and after the round's last probe a record with slot 0xffffffff and
 * the number sent in the errno field.
 * Exits when stdin ends or stdout closes, and when the engine dies: stdin's end is only read between
 * rounds, so mid-round (a long round sleeps between probes) a kill -9 of the monitor would otherwise
 * leave the helper sending the rest of the round from a dead session.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAGIC 0x31585450u
#define MAX_PATHS 1000000u
#define OUT_RECORDS 256
/* Probes due within this much of now are sent now; later ones are slept for. */
#define HORIZON_NS 20000

struct path { struct sockaddr_in to; uint16_t length, sequence_at, checksum_at; unsigned char *packet; };

static int64_t now_ns(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec; }

static int read_all(void *p, size_t n) {
  unsigned char *b = p;
  while (n > 0) {
    ssize_t r = read(0, b, n);
    if (r == 0) return -1;
    if (r < 0) { if (errno == EINTR) continue; return -1; }
    b += r; n -= (size_t)r;
  }
  return 0;
}

static int write_all(const void *p, size_t n) {
  const unsigned char *b = p;
  while (n > 0) {
    ssize_t w = write(1, b, n);
    if (w < 0) { if (errno == EINTR) continue; return -1; }
    b += w; n -= (size_t)w;
  }
  return 0;
}

static unsigned char out[OUT_RECORDS * 16];
static int out_used = 0;
static int flush_out(void) { int r = write_all(out, (size_t)out_used * 16); out_used = 0; return r; }
static int report(uint32_t slot, uint32_t err, int64_t t) {
  unsigned char *r = out + out_used * 16;
  memcpy(r, &slot, 4); memcpy(r + 4, &err, 4); memcpy(r + 8, &t, 8);
  if (++out_used == OUT_RECORDS) return flush_out();
  return 0;
}

/* Writes sequence and send time and adjusts the UDP checksum word by word (RFC 1624 eqn. 3). */
static void stamp(struct path *p, uint32_t sequence, int64_t t) {
  unsigned char *at = p->packet + p->sequence_at, *ck = p->packet + p->checksum_at;
  uint16_t old[6];
  for (int i = 0; i < 6; i++) old[i] = (uint16_t)(at[2 * i] << 8 | at[2 * i + 1]);
  uint32_t s = htonl(sequence); memcpy(at, &s, 4);
  uint64_t u = (uint64_t)t;
  for (int i = 0; i < 8; i++) at[4 + i] = (unsigned char)(u >> (56 - 8 * i));
  uint16_t checksum = (uint16_t)(ck[0] << 8 | ck[1]);
  if (checksum == 0) return; /* no UDP checksum: nothing to keep valid */
  uint32_t sum = (uint16_t)~checksum;
  for (int i = 0; i < 6; i++) sum += (uint16_t)~old[i] + (uint32_t)(at[2 * i] << 8 | at[2 * i + 1]);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  checksum = (uint16_t)~sum;
  if (checksum == 0) checksum = 0xffff; /* RFC 768: zero would mean "no checksum" */
  ck[0] = (unsigned char)(checksum >> 8); ck[1] = (unsigned char)checksum;
}

static void sleep_until(int64_t t) {
  struct timespec ts = { .tv_sec = t / 1000000000, .tv_nsec = t % 1000000000 };
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {}
}

/*
 * The kernel kills us with SIGKILL when the process that started us dies. If it died before prctl took
 * effect we have already been handed to a reaper: getppid() changed, so leave now. (If it died before
 * main even ran, stdin is already at its end and "ready" goes to a closed pipe, which ends us as well.)
 */
static void die_with_parent(void) {
  pid_t parent = getppid();
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) { perror("probe-tx: prctl(PR_SET_PDEATHSIG)"); exit(2); }
  if (getppid() != parent) exit(0);
}

int main(void) {
  die_with_parent();
  int fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
  if (fd < 0) { perror("probe-tx: socket(AF_INET, SOCK_RAW, IPPROTO_RAW), expected root or CAP_NET_RAW"); return 2; }
  int size = 8 << 20;
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) < 0) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0); /* sleeps end when asked, not up to 50 us later */
  if (write_all("ready\n", 6) < 0) return 0;
  for (;;) {
    uint32_t head[4]; uint64_t interval_ns;
    if (read_all(head, sizeof head) < 0 || read_all(&interval_ns, 8) < 0) return 0;
    uint32_t path_count = head[1], count = head[2];
    if (head[0] != MAGIC || path_count == 0 || path_count > MAX_PATHS || (uint64_t)path_count * count > 0xfffffffeu) {
      fprintf(stderr, "probe-tx: bad round header (magic %08x, %u paths, count %u), expected magic %08x, 1..%u paths\n", head[0], path_count, count, MAGIC, MAX_PATHS);
      return 2;
    }
    struct path *paths = calloc(path_count, sizeof *paths);
    if (!paths) { perror("probe-tx: calloc"); return 2; }
    for (uint32_t i = 0; i < path_count; i++) {
      unsigned char h[12];
      if (read_all(h, sizeof h) < 0) return 0;
      struct path *p = &paths[i];
      p->to.sin_family = AF_INET; memcpy(&p->to.sin_addr, h, 4);
      memcpy(&p->length, h + 4, 2); memcpy(&p->sequence_at, h + 6, 2); memcpy(&p->checksum_at, h + 8, 2);
      if (p->length == 0 || (uint32_t)p->sequence_at + 12 > p->length || (uint32_t)p->checksum_at + 2 > p->length) {
        fprintf(stderr, "probe-tx: path %u: length %u, sequenceAt %u, checksumAt %u do not fit, expected both inside the packet\n", i, p->length, p->sequence_at, p->checksum_at);
        return 2;
      }
      p->packet = malloc(p->length);
      if (!p->packet || read_all(p->packet, p->length) < 0) return 0;
    }
    uint64_t slots = (uint64_t)path_count * count;
    double spacing_ns = (double)interval_ns / path_count;
    int64_t start = now_ns();
    uint32_t sent = 0;
    for (uint64_t index = 0; index < slots;) {
      int64_t now = now_ns();
      for (; index < slots; index++) {
        uint32_t path_id = (uint32_t)(index % path_count), sequence = (uint32_t)(index / path_count);
        int64_t due = start + (int64_t)sequence * (int64_t)interval_ns + (int64_t)(path_id * spacing_ns);
        if (due > now + HORIZON_NS) break;
        struct path *p = &paths[path_id];
        int64_t t = now_ns();
        stamp(p, sequence, t);
        ssize_t w = sendto(fd, p->packet, p->length, 0, (struct sockaddr *)&p->to, sizeof p->to);
        uint32_t err = w == (ssize_t)p->length ? 0 : (w < 0 ? (uint32_t)errno : EMSGSIZE);
        if (!err) sent++;
        if (report((uint32_t)(path_id * (uint64_t)count + sequence), err, t) < 0) return 0;
        now = t;
      }
      if (index >= slots) break;
      if (out_used > 0 && flush_out() < 0) return 0;
      uint32_t path_id = (uint32_t)(index % path_count), sequence = (uint32_t)(index / path_count);
      sleep_until(start + (int64_t)sequence * (int64_t)interval_ns + (int64_t)(path_id * spacing_ns) - HORIZON_NS / 2);
    }
    if (report(0xffffffffu, sent, now_ns()) < 0 || flush_out() < 0) return 0;
    for (uint32_t i = 0; i < path_count; i++) free(paths[i].packet);
    free(paths);
  }
}
