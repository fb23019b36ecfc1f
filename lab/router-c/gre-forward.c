/*
 * The lab router's C forwarding path (lab/router/c-forwarder.ts starts it when PATHMON_LAB_ROUTER=c):
 * the same job as gre-router.ts (strip one plain GRE layer, decrement TTL, impair, send the inner
 * packet on) but timed by the kernel, so the lab's ground truth is what the network stand-in really
 * did to each probe, not what a Node process saw of it.
 *
 * Why: a Node router learns of a packet only when its event loop runs, which on a loaded 2-core box
 * is milliseconds after the packet arrived; that wait was real delay the probe suffered but no record
 * held it, so it passed for pathmon's error. Here every packet carries its kernel arrival time
 * (SO_TIMESTAMPNS, taken when the packet entered this namespace), a delayed packet is released at
 * arrival + delay (ppoll to within SPIN_NS of the deadline, then polled in a loop, never a coarse
 * timer), and the truth record holds release - kernel arrival: the whole time the probe spent here,
 * including any time it waited for this process to run.
 *
 * usage: gre-forward CONFIG_FILE
 * CONFIG_FILE lines (re-read on SIGHUP):
 *   out PEER_ADDRESS DELAY_NS JITTER_NS LOSS_PPM DOWN   impairment towards the neighbor at that address
 *   in LOCAL_ADDRESS DELAY_NS JITTER_NS LOSS_PPM DOWN   impairment of packets from a host arriving there
 *   truth PATH                                          append truth records (truth-records.ts format)
 * Truth record (32 bytes, little-endian): u32 session | u32 path | u32 sequence | u32 flags (1 = kernel
 * arrival stamp) | f64 applied delay ns (the hold when delayed, else 0) | f64 hold ns (release - arrival).
 * stdout: "ready", then once a second "counters received forwarded delayed malformed ttl down loss
 * senderror queued holdMeanUs holdMaxUs lateMeanUs lateMaxUs".
 * Only plain 4-byte GRE carrying IPv4 is forwarded (all pathmon sends); anything else is counted as
 * malformed and dropped.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define SNAP 2048
#define MAX_RULES 256
#define MAX_QUEUE 200000
#define SPIN_NS 150000
#define TRUTH_BATCH 2048
#define MAX_TRUTH 5000000

struct rule { int in; uint32_t addr; int64_t delay_ns, jitter_ns; uint32_t loss_ppm; int down; };
struct held { int64_t due_ns, arrival_ns; uint16_t len; unsigned char data[]; };

static struct rule rules[MAX_RULES];
static int rule_count = 0;
static const char *config_path;
static volatile sig_atomic_t reload = 0, stop = 0;
static FILE *truth = NULL;
static unsigned char truth_buf[TRUTH_BATCH * 32];
static int truth_used = 0;
static unsigned long long truth_written = 0;
static struct held *queue[MAX_QUEUE];
static int queued = 0;
static unsigned long long received, forwarded, delayed, malformed, ttl_expired, dropped_down, dropped_loss, send_errors;
static double hold_sum_us, hold_max_us, late_sum_us, late_max_us;
static unsigned long long hold_n, late_n;
static uint64_t rng = 88172645463325252ull;

static int64_t now_rt(void) { struct timespec t; clock_gettime(CLOCK_REALTIME, &t); return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec; }
static uint64_t next_random(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng; }
static void on_hup(int s) { (void)s; reload = 1; }
static void on_stop(int s) { (void)s; stop = 1; }

static void truth_flush(void) {
  if (truth && truth_used) { fwrite(truth_buf, 32, (size_t)truth_used, truth); fflush(truth); }
  truth_used = 0;
}

static void load_config(void) {
  FILE *f = fopen(config_path, "r");
  if (!f) { fprintf(stderr, "gre-forward: cannot read %s: %s; keeping the previous rules\n", config_path, strerror(errno)); return; }
  struct rule fresh[MAX_RULES];
  int n = 0;
  char line[4200], kind[8], addr[64], path[4096];
  char *truth_path = NULL;
  while (fgets(line, sizeof line, f)) {
    long long d, j; unsigned long loss; int down;
    if (sscanf(line, "truth %4095s", path) == 1) { truth_path = path; continue; }
    if (sscanf(line, "%7s %63s %lld %lld %lu %d", kind, addr, &d, &j, &loss, &down) != 6 || n == MAX_RULES) continue;
    struct in_addr a;
    if (inet_pton(AF_INET, addr, &a) != 1) { fprintf(stderr, "gre-forward: bad address %s in %s, expected dotted IPv4\n", addr, config_path); continue; }
    fresh[n++] = (struct rule){ .in = strcmp(kind, "in") == 0, .addr = a.s_addr, .delay_ns = d, .jitter_ns = j, .loss_ppm = (uint32_t)loss, .down = down };
  }
  fclose(f);
  memcpy(rules, fresh, sizeof(struct rule) * (size_t)n);
  rule_count = n;
  if (truth_path && !truth) truth = fopen(truth_path, "ab");
  if (!truth_path && truth) { truth_flush(); fclose(truth); truth = NULL; }
}

static const struct rule *find(int in, uint32_t addr) {
  for (int i = 0; i < rule_count; i++) if (rules[i].in == in && rules[i].addr == addr) return &rules[i];
  return NULL;
}

/* The probe at the core of a packet (peeling any GRE layers left): 1 and its identity, or 0. */
static int probe_identity(const unsigned char *p, unsigned len, uint32_t id[3]) {
  for (int depth = 0; depth < 64; depth++) {
    if (len < 20 || (p[0] >> 4) != 4) return 0;
    unsigned ihl = (p[0] & 0x0f) * 4u;
    if (ihl < 20 || len < ihl) return 0;
    if (p[9] == 47) {
      if (len < ihl + 4 || p[ihl] != 0 || p[ihl + 1] != 0) return 0;
      p += ihl + 4; len -= ihl + 4; continue;
    }
    if (p[9] != 17 || len < ihl + 8 + 28) return 0;
    const unsigned char *pl = p + ihl + 8;
    if (pl[0] != 'P' || pl[1] != 'M' || pl[2] != 'O' || pl[3] != 'N') return 0;
    for (int i = 0; i < 3; i++) id[i] = (uint32_t)pl[8 + 4 * i] << 24 | (uint32_t)pl[9 + 4 * i] << 16 | (uint32_t)pl[10 + 4 * i] << 8 | pl[11 + 4 * i];
    return 1;
  }
  return 0;
}

static void record_truth(const unsigned char *p, unsigned len, double applied_ns, double hold_ns) {
  uint32_t id[3];
  if (!truth || truth_written >= MAX_TRUTH || !probe_identity(p, len, id)) return;
  unsigned char *r = truth_buf + truth_used * 32;
  uint32_t flags = 1;
  memcpy(r, id, 12); memcpy(r + 12, &flags, 4); memcpy(r + 16, &applied_ns, 8); memcpy(r + 24, &hold_ns, 8);
  truth_written++;
  if (++truth_used == TRUTH_BATCH) truth_flush();
}

static void transmit(int tx, const unsigned char *p, unsigned len, int64_t arrival_ns, int64_t delay_ns) {
  struct sockaddr_in to = { .sin_family = AF_INET };
  memcpy(&to.sin_addr, p + 16, 4);
  int64_t release = now_rt();
  if (sendto(tx, p, len, 0, (struct sockaddr *)&to, sizeof to) != (ssize_t)len) { send_errors++; return; }
  forwarded++;
  double hold = (double)(release - arrival_ns);
  if (delay_ns > 0) {
    double late_us = (hold - (double)delay_ns) / 1e3;
    late_sum_us += late_us; late_n++; if (late_us > late_max_us) late_max_us = late_us;
  } else {
    hold_sum_us += hold / 1e3; hold_n++; if (hold / 1e3 > hold_max_us) hold_max_us = hold / 1e3;
  }
  record_truth(p, len, delay_ns > 0 ? hold : 0, hold);
}

static void handle(int tx, unsigned char *p, unsigned len, int64_t arrival_ns) {
  received++;
  unsigned ihl = (p[0] & 0x0f) * 4u;
  if (len < 20 || (p[0] >> 4) != 4 || ihl < 20 || len < ihl + 4 + 20 || p[ihl] != 0 || p[ihl + 1] != 0 || p[ihl + 2] != 0x08 || p[ihl + 3] != 0) { malformed++; return; }
  unsigned outer_total = (unsigned)(p[2] << 8 | p[3]);
  if (outer_total < ihl + 4 + 20 || outer_total > len) { malformed++; return; }
  uint32_t local; memcpy(&local, p + 16, 4);
  unsigned char *inner = p + ihl + 4;
  unsigned inner_len = outer_total - ihl - 4;
  unsigned inner_total = (unsigned)(inner[2] << 8 | inner[3]);
  if ((inner[0] >> 4) != 4 || inner_total < 20 || inner_total > inner_len) { malformed++; return; }
  inner_len = inner_total;
  if (inner[8] <= 1) { ttl_expired++; return; }
  /* TTL - 1 and the header checksum patched by RFC 1624 */
  uint32_t old_word = (uint32_t)(inner[8] << 8 | inner[9]);
  inner[8]--;
  uint32_t new_word = (uint32_t)(inner[8] << 8 | inner[9]);
  uint32_t sum = (uint16_t)~(inner[10] << 8 | inner[11]) + (uint16_t)~old_word + new_word;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  sum = (uint16_t)~sum; inner[10] = (unsigned char)(sum >> 8); inner[11] = (unsigned char)sum;

  uint32_t dest; memcpy(&dest, inner + 16, 4);
  const struct rule *applies[2] = { find(1, local), find(0, dest) };
  int64_t delay_ns = 0;
  for (int i = 0; i < 2; i++) {
    const struct rule *r = applies[i];
    if (!r) continue;
    if (r->down) { dropped_down++; return; }
    if (r->loss_ppm && next_random() % 1000000 < r->loss_ppm) { dropped_loss++; return; }
    int64_t d = r->delay_ns;
    if (r->jitter_ns) d += (int64_t)(next_random() % (uint64_t)(2 * r->jitter_ns + 1)) - r->jitter_ns;
    if (d > 0) delay_ns += d;
  }
  if (delay_ns == 0) { transmit(tx, inner, inner_len, arrival_ns, 0); return; }
  if (queued == MAX_QUEUE) { dropped_loss++; return; }
  struct held *h = malloc(sizeof *h + inner_len);
  if (!h) { dropped_loss++; return; }
  h->due_ns = arrival_ns + delay_ns; h->arrival_ns = arrival_ns; h->len = (uint16_t)inner_len;
  memcpy(h->data, inner, inner_len);
  int at = queued;
  while (at > 0 && queue[at - 1]->due_ns > h->due_ns) at--;
  memmove(queue + at + 1, queue + at, sizeof *queue * (size_t)(queued - at));
  queue[at] = h; queued++; delayed++;
}

static void release_due(int tx) {
  int64_t now = now_rt();
  int done = 0;
  while (done < queued && queue[done]->due_ns <= now) {
    struct held *h = queue[done++];
    transmit(tx, h->data, h->len, h->arrival_ns, h->due_ns - h->arrival_ns);
    free(h);
  }
  if (done) { memmove(queue, queue + done, sizeof *queue * (size_t)(queued - done)); queued -= done; }
}

int main(int argc, char **argv) {
  if (argc != 2) { fprintf(stderr, "gre-forward: usage: gre-forward CONFIG_FILE\n"); return 2; }
  config_path = argv[1];
  int rx = socket(AF_INET, SOCK_RAW, 47), tx = socket(AF_INET, SOCK_RAW, IPPROTO_RAW), on = 1, size = 8 << 20;
  if (rx < 0 || tx < 0) { perror("gre-forward: raw socket, expected root or CAP_NET_RAW"); return 2; }
  setsockopt(rx, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size);
  setsockopt(tx, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size);
  if (setsockopt(rx, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) < 0) { perror("gre-forward: SO_TIMESTAMPNS"); return 2; }
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0); /* a SIGKILLed supervisor takes this process with it */
  if (getppid() == 1) return 0;
  struct sigaction sa = {0};
  sa.sa_handler = on_hup; sigaction(SIGHUP, &sa, NULL);
  sa.sa_handler = on_stop; sigaction(SIGTERM, &sa, NULL); sigaction(SIGINT, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  load_config();

  static unsigned char bufs[BATCH][SNAP], ctrl[BATCH][64];
  struct mmsghdr msgs[BATCH]; struct iovec iovs[BATCH];
  printf("ready\n"); fflush(stdout);
  int64_t next_report = now_rt() + 1000000000;
  while (!stop) {
    if (reload) { reload = 0; load_config(); }
    int64_t now = now_rt();
    if (now >= next_report) {
      truth_flush();
      printf("counters %llu %llu %llu %llu %llu %llu %llu %llu %d %.1f %.1f %.1f %.1f\n", received, forwarded, delayed, malformed, ttl_expired, dropped_down, dropped_loss, send_errors, queued,
             hold_n ? hold_sum_us / hold_n : 0, hold_max_us, late_n ? late_sum_us / late_n : 0, late_max_us);
      if (fflush(stdout) != 0) return 0; /* the supervisor is gone */
      next_report = now + 1000000000;
    }
    int64_t wait_ns = next_report - now;
    if (queued) wait_ns = queue[0]->due_ns - now - SPIN_NS;
    int flags = 0;
    if (wait_ns > 0) {
      struct pollfd pfd = { .fd = rx, .events = POLLIN };
      struct timespec ts = { .tv_sec = wait_ns / 1000000000, .tv_nsec = wait_ns % 1000000000 };
      if (ppoll(&pfd, 1, &ts, NULL) < 0 && errno != EINTR) { perror("gre-forward: ppoll"); return 2; }
      flags = MSG_DONTWAIT;
    } else {
      flags = MSG_DONTWAIT; /* the last stretch before a release: poll, do not sleep */
    }
    for (int i = 0; i < BATCH; i++) {
      iovs[i].iov_base = bufs[i]; iovs[i].iov_len = SNAP;
      memset(&msgs[i], 0, sizeof msgs[i]);
      msgs[i].msg_hdr.msg_iov = &iovs[i]; msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_control = ctrl[i]; msgs[i].msg_hdr.msg_controllen = sizeof ctrl[i];
    }
    int got = recvmmsg(rx, msgs, BATCH, flags, NULL);
    for (int i = 0; i < got; i++) {
      int64_t arrival = -1;
      for (struct cmsghdr *c = CMSG_FIRSTHDR(&msgs[i].msg_hdr); c; c = CMSG_NXTHDR(&msgs[i].msg_hdr, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
          struct timespec t; memcpy(&t, CMSG_DATA(c), sizeof t);
          arrival = (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
        }
      }
      if (arrival < 0) arrival = now_rt();
      handle(tx, bufs[i], msgs[i].msg_len, arrival);
    }
    if (queued) release_due(tx);
  }
  truth_flush();
  if (truth) fclose(truth);
  printf("counters %llu %llu %llu %llu %llu %llu %llu %llu %d %.1f %.1f %.1f %.1f\n", received, forwarded, delayed, malformed, ttl_expired, dropped_down, dropped_loss, send_errors, queued,
         hold_n ? hold_sum_us / hold_n : 0, hold_max_us, late_n ? late_sum_us / late_n : 0, late_max_us);
  return 0;
}
