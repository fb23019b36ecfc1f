/*
 * The lab router's C forwarding path (lab/router/c-forwarder.ts starts it):
 * the default wherever it builds (forwarder-choice.ts). The same job as gre-router.ts (strip one plain
 * GRE layer, decrement TTL, impair, send the inner packet on) but timed by the kernel, so the lab's ground truth is what the network stand-in really
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
 * Scheduling: every hop of a probe's walk is a wake-up of some router's process, 5 to 16 of them per
 * loop. With the machine busy (loadavg 13 on 2 cores) an ordinary process waited milliseconds for
 * each, and p50 RTTs sat 1.7-2.9 ms above their minimum; so the forwarder asks for SCHED_FIFO
 * (priority 1, the lowest real-time one), which runs it as soon as its packet arrives (p50 - min
 * 0.12-0.14 ms under the same load). It sleeps in ppoll between packets, so it takes CPU only for
 * the work it does; should that work pass RT_CPU_MAX of a CPU over a second (a flood of probes), it
 * goes back to normal priority rather than starve the prober and the rest of the machine, and
 * returns to real time once below RT_CPU_RESUME. Real-time wake-ups from ppoll are punctual, so the
 * busy-polled stretch before a delayed release shrinks from SPIN_NS to SPIN_RT_NS. Where SCHED_FIFO
 * is refused (no CAP_SYS_NICE) it says so once and runs at normal priority; PATHMON_LAB_REALTIME=0
 * in the environment turns it off.
 *
 * usage: gre-forward CONFIG_FILE
 * CONFIG_FILE lines (re-read on SIGHUP):
 *   out PEER_ADDRESS DELAY_NS JITTER_NS LOSS_PPM DOWN   impairment towards the neighbor at that address
 *   in LOCAL_ADDRESS DELAY_NS JITTER_NS LOSS_PPM DOWN   impairment of packets from a host arriving there
 *   truth PATH                                          append truth records (truth-records.ts format)
 * Truth record (32 bytes, little-endian): u32 session | u32 path | u32 sequence | u32 flags (1 = kernel
 * arrival stamp) | f64 applied delay ns (the hold when delayed, else 0) | f64 hold ns (release - arrival).
 * stdout: "ready", then once a second "counters received forwarded delayed malformed ttl down loss
 * senderror queued holdMeanUs holdMaxUs lateMeanUs lateMaxUs realtime" (realtime: 1 when SCHED_FIFO).
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
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define SNAP 2048
#define MAX_RULES 256
#define MAX_QUEUE 200000
#define SPIN_NS 150000
#define SPIN_RT_NS 20000
#define RT_CPU_MAX 0.5
#define RT_CPU_RESUME 0.2
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
static int realtime_allowed = 0, realtime = 0;

static int64_t now_rt(void) { struct timespec t; clock_gettime(CLOCK_REALTIME, &t); return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec; }
static uint64_t next_random(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng; }
static void on_hup(int s) { (void)s; reload = 1; }
static void on_stop(int s) { (void)s; stop = 1; }

static int64_t cpu_ns(void) { struct timespec t; clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec; }

static int set_realtime(int on) {
  struct sched_param sp = { .sched_priority = on ? 1 : 0 };
  if (sched_setscheduler(0, on ? SCHED_FIFO : SCHED_OTHER, &sp) != 0) return 0;
  realtime = on;
  return 1;
}

/* Once a second: real time while the forwarder's own CPU use stays modest (see the header). */
static void pace_realtime(double cpu_share) {
  if (!realtime_allowed) return;
  if (realtime && cpu_share > RT_CPU_MAX && set_realtime(0))
    fprintf(stderr, "gre-forward: used %.0f%% of a CPU over the last second; normal priority until below %.0f%%\n", cpu_share * 100, RT_CPU_RESUME * 100);
  else if (!realtime && cpu_share < RT_CPU_RESUME)
    set_realtime(1);
}

static void report(void) {
  printf("counters %llu %llu %llu %llu %llu %llu %llu %llu %d %.1f %.1f %.1f %.1f %d\n", received, forwarded, delayed, malformed, ttl_expired, dropped_down, dropped_loss, send_errors, queued,
         hold_n ? hold_sum_us / hold_n : 0, hold_max_us, late_n ? late_sum_us / late_n : 0, late_max_us, realtime);
}

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
  /* The signals are blocked except inside ppoll, which unblocks them atomically: a SIGHUP that came
   * just after the reload check would otherwise wait out a whole ppoll (up to a second) before the
   * new rules applied, and `lab impair` followed at once by a probe would measure the old ones. */
  sigset_t handled, unblocked;
  sigemptyset(&handled); sigaddset(&handled, SIGHUP); sigaddset(&handled, SIGTERM); sigaddset(&handled, SIGINT);
  sigprocmask(SIG_BLOCK, &handled, &unblocked);
  sigdelset(&unblocked, SIGHUP); sigdelset(&unblocked, SIGTERM); sigdelset(&unblocked, SIGINT);
  struct sigaction sa = {0};
  sa.sa_handler = on_hup; sigaction(SIGHUP, &sa, NULL);
  sa.sa_handler = on_stop; sigaction(SIGTERM, &sa, NULL); sigaction(SIGINT, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  load_config();
  const char *realtime_setting = getenv("PATHMON_LAB_REALTIME");
  if (!(realtime_setting && strcmp(realtime_setting, "0") == 0)) {
    realtime_allowed = set_realtime(1);
    if (!realtime_allowed) fprintf(stderr, "gre-forward: SCHED_FIFO refused (%s); forwarding at normal priority, so a busy machine adds to RTTs\n", strerror(errno));
  }

  static unsigned char bufs[BATCH][SNAP], ctrl[BATCH][64];
  struct mmsghdr msgs[BATCH]; struct iovec iovs[BATCH];
  printf("ready\n"); fflush(stdout);
  int64_t last_report = now_rt(), next_report = last_report + 1000000000, last_cpu = cpu_ns();
  while (!stop) {
    if (reload) { reload = 0; load_config(); }
    int64_t now = now_rt();
    if (now >= next_report) {
      truth_flush();
      int64_t cpu = cpu_ns();
      pace_realtime((double)(cpu - last_cpu) / (double)(now - last_report));
      last_cpu = cpu; last_report = now;
      report();
      if (fflush(stdout) != 0) return 0; /* the supervisor is gone */
      next_report = now + 1000000000;
    }
    int64_t wait_ns = next_report - now;
    if (queued) wait_ns = queue[0]->due_ns - now - (realtime ? SPIN_RT_NS : SPIN_NS);
    /* Sleep until a packet, a signal or the deadline; in the last stretch before a release, only
     * look (a zero timeout still takes pending signals), do not sleep. */
    if (wait_ns < 0) wait_ns = 0;
    struct pollfd pfd = { .fd = rx, .events = POLLIN };
    struct timespec ts = { .tv_sec = wait_ns / 1000000000, .tv_nsec = wait_ns % 1000000000 };
    if (ppoll(&pfd, 1, &ts, &unblocked) < 0 && errno != EINTR) { perror("gre-forward: ppoll"); return 2; }
    if (stop) break;
    if (reload) { reload = 0; load_config(); }
    int flags = MSG_DONTWAIT;
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
  report();
  return 0;
}
