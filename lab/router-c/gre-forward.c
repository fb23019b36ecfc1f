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
 *   generation N                                        the file's version: printed as "reloaded N" once loaded
 * Truth record (32 bytes, little-endian): u32 session | u32 path | u32 sequence | u32 flags (1 = kernel
 * arrival stamp) | f64 applied delay ns (the hold when delayed, else 0) | f64 hold ns (release - arrival).
 * stdout: "ready", then once a second "counters received forwarded delayed malformed ttl down loss
 * senderror queued holdMeanUs holdMaxUs lateMeanUs lateMaxUs realtime" (realtime: 1 when SCHED_FIFO).
 * Only plain 4-byte GRE carrying IPv4 is forwarded (all pathmon sends); anything else is counted as
 * malformed and dropped.
 *
 * Plain IP (everything that is not a GRE probe addressed to this router: ICMP, TCP, UDP between lab
 * nodes) is routed by the kernel, so without more it would cross every link unimpaired (the kernel here
 * has no netem). With these config lines the forwarder also takes that traffic from netfilter's queue
 * (NFQUEUE; `lab up` installs the rules sending packets there, lab/plain-ip.ts) and gives each packet
 * the verdict its link directions call for: dropped when down or lost, accepted now, or accepted at
 * arrival + delay. The kernel keeps the packet meanwhile, so routing, TTL, ICMP errors and checksums
 * stay the kernel's, as on a real router.
 *   dev IFNAME LOCAL_ADDRESS PEER_ADDRESS   an interface: its egress takes the `out` rule of PEER_ADDRESS,
 *                                           its ingress the `in` rule of LOCAL_ADDRESS
 *   plain QUEUE MARK                        bind netfilter queue QUEUE at start; mark this process's own
 *                                           sends with MARK so the queue rules let them pass (their
 *                                           impairment is applied here already)
 * The counters line then goes on with "plainReceived plainAccepted plainDelayed plainDown plainLoss
 * plainError". Plain packets that carry a pathmon probe get truth records as GRE ones do (flags 1 when
 * the kernel stamped their arrival, 0 when the arrival is when this process read them).
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
#include <net/if.h>
#include <linux/netlink.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>

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
/* A held GRE inner packet (data, sent at due_ns) or a held plain packet (a queue verdict owed at due_ns). */
struct held { int64_t due_ns, arrival_ns; int plain, probe, stamped; uint32_t verdict_id, id[3]; uint16_t len; unsigned char data[]; };
struct dev { char name[IF_NAMESIZE]; int ifindex; uint32_t local, peer; };

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
static struct dev devs[MAX_RULES];
static int dev_count = 0;
static int nfq = -1, plain_queue = -1;
static uint32_t plain_mark = 0;
static unsigned long long plain_received, plain_accepted, plain_delayed, plain_down, plain_loss, plain_errors;
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
  printf("counters %llu %llu %llu %llu %llu %llu %llu %llu %d %.1f %.1f %.1f %.1f %d %llu %llu %llu %llu %llu %llu\n", received, forwarded, delayed, malformed, ttl_expired, dropped_down, dropped_loss, send_errors, queued,
         hold_n ? hold_sum_us / hold_n : 0, hold_max_us, late_n ? late_sum_us / late_n : 0, late_max_us, realtime,
         plain_received, plain_accepted, plain_delayed, plain_down, plain_loss, plain_errors);
}

static void truth_flush(void) {
  if (truth && truth_used) { fwrite(truth_buf, 32, (size_t)truth_used, truth); fflush(truth); }
  truth_used = 0;
}

static void load_config(void) {
  FILE *f = fopen(config_path, "r");
  if (!f) { fprintf(stderr, "gre-forward: cannot read %s: %s; keeping the previous rules\n", config_path, strerror(errno)); return; }
  struct rule fresh[MAX_RULES];
  struct dev fresh_devs[MAX_RULES];
  int n = 0, nd = 0;
  char line[4200], kind[8], addr[64], path[4096], name[64], peer[64];
  char *truth_path = NULL;
  unsigned long long generation = 0;
  int has_generation = 0;
  while (fgets(line, sizeof line, f)) {
    long long d, j; unsigned long loss; int down; unsigned queue_num; unsigned long mark;
    if (sscanf(line, "truth %4095s", path) == 1) { truth_path = path; continue; }
    if (sscanf(line, "generation %llu", &generation) == 1) { has_generation = 1; continue; }
    if (sscanf(line, "plain %u %lu", &queue_num, &mark) == 2) {
      /* Bound once at start: a queue cannot move while the kernel holds packets for it. */
      if (plain_queue < 0 && queue_num <= 65535) { plain_queue = (int)queue_num; plain_mark = (uint32_t)mark; }
      continue;
    }
    if (strncmp(line, "dev ", 4) == 0) {
      struct in_addr l, r;
      if (sscanf(line, "dev %63s %63s %63s", name, addr, peer) != 3 || strlen(name) >= IF_NAMESIZE || inet_pton(AF_INET, addr, &l) != 1 || inet_pton(AF_INET, peer, &r) != 1) {
        fprintf(stderr, "gre-forward: bad line in %s: %s expected dev IFNAME LOCAL_ADDRESS PEER_ADDRESS\n", config_path, line);
        continue;
      }
      if (nd == MAX_RULES) continue;
      struct dev *dv = &fresh_devs[nd++];
      strcpy(dv->name, name); dv->local = l.s_addr; dv->peer = r.s_addr;
      dv->ifindex = (int)if_nametoindex(name);
      if (dv->ifindex == 0) fprintf(stderr, "gre-forward: no interface %s here; its plain traffic goes unimpaired\n", name);
      continue;
    }
    if (sscanf(line, "%7s %63s %lld %lld %lu %d", kind, addr, &d, &j, &loss, &down) != 6 || n == MAX_RULES) continue;
    struct in_addr a;
    if (inet_pton(AF_INET, addr, &a) != 1) { fprintf(stderr, "gre-forward: bad address %s in %s, expected dotted IPv4\n", addr, config_path); continue; }
    fresh[n++] = (struct rule){ .in = strcmp(kind, "in") == 0, .addr = a.s_addr, .delay_ns = d, .jitter_ns = j, .loss_ppm = (uint32_t)loss, .down = down };
  }
  fclose(f);
  memcpy(rules, fresh, sizeof(struct rule) * (size_t)n);
  rule_count = n;
  memcpy(devs, fresh_devs, sizeof(struct dev) * (size_t)nd);
  dev_count = nd;
  if (truth_path && !truth) truth = fopen(truth_path, "ab");
  if (!truth_path && truth) { truth_flush(); fclose(truth); truth = NULL; }
  /* Tells the supervisor which version of the file is now in force (`lab impair` waits for it). */
  if (has_generation) { printf("reloaded %llu\n", generation); fflush(stdout); }
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

static void record_identity(const uint32_t id[3], uint32_t flags, double applied_ns, double hold_ns) {
  if (!truth || truth_written >= MAX_TRUTH) return;
  unsigned char *r = truth_buf + truth_used * 32;
  memcpy(r, id, 12); memcpy(r + 12, &flags, 4); memcpy(r + 16, &applied_ns, 8); memcpy(r + 24, &hold_ns, 8);
  truth_written++;
  if (++truth_used == TRUTH_BATCH) truth_flush();
}

static void record_truth(const unsigned char *p, unsigned len, double applied_ns, double hold_ns) {
  uint32_t id[3];
  if (!truth || !probe_identity(p, len, id)) return;
  record_identity(id, 1, applied_ns, hold_ns);
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

enum fate { FATE_FORWARD, FATE_DOWN, FATE_LOSS };

/* What the ingress rule, then the egress rule (either may be absent), do to one packet; the delay adds up. */
static enum fate impair(const struct rule *ingress, const struct rule *egress, int64_t *delay_ns) {
  const struct rule *applies[2] = { ingress, egress };
  *delay_ns = 0;
  for (int i = 0; i < 2; i++) {
    const struct rule *r = applies[i];
    if (!r) continue;
    if (r->down) return FATE_DOWN;
    if (r->loss_ppm && next_random() % 1000000 < r->loss_ppm) return FATE_LOSS;
    int64_t d = r->delay_ns;
    if (r->jitter_ns) d += (int64_t)(next_random() % (uint64_t)(2 * r->jitter_ns + 1)) - r->jitter_ns;
    if (d > 0) *delay_ns += d;
  }
  return FATE_FORWARD;
}

static void hold(struct held *h) {
  int at = queued;
  while (at > 0 && queue[at - 1]->due_ns > h->due_ns) at--;
  memmove(queue + at + 1, queue + at, sizeof *queue * (size_t)(queued - at));
  queue[at] = h; queued++;
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
  int64_t delay_ns = 0;
  switch (impair(find(1, local), find(0, dest), &delay_ns)) {
    case FATE_DOWN: dropped_down++; return;
    case FATE_LOSS: dropped_loss++; return;
    default: break;
  }
  if (delay_ns == 0) { transmit(tx, inner, inner_len, arrival_ns, 0); return; }
  if (queued == MAX_QUEUE) { dropped_loss++; return; }
  struct held *h = malloc(sizeof *h + inner_len);
  if (!h) { dropped_loss++; return; }
  h->due_ns = arrival_ns + delay_ns; h->arrival_ns = arrival_ns; h->plain = 0; h->len = (uint16_t)inner_len;
  memcpy(h->data, inner, inner_len);
  hold(h);
  delayed++;
}

/* ---- Plain IP: packets netfilter queued to us, answered with verdicts (raw nfnetlink, no library) ---- */

#define NFQ_BUF 16384
#define NFQ_KERNEL_QUEUE 65536
#define STAMP_TRUST_NS 1000000000LL
static uint32_t nfq_seq = 0;

/* Sends one nfnetlink_queue message (`attrs` already laid out); with `ack`, waits for the kernel's answer. */
static int nfq_request(uint8_t type, const void *attrs, size_t attrs_len, int ack) {
  union { struct nlmsghdr h; char bytes[512]; } msg;
  if (NLMSG_LENGTH(sizeof(struct nfgenmsg) + attrs_len) > sizeof msg) { errno = EMSGSIZE; return -1; }
  memset(&msg, 0, sizeof msg);
  msg.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct nfgenmsg) + attrs_len);
  msg.h.nlmsg_type = (NFNL_SUBSYS_QUEUE << 8) | type;
  msg.h.nlmsg_flags = NLM_F_REQUEST | (ack ? NLM_F_ACK : 0);
  msg.h.nlmsg_seq = ++nfq_seq;
  struct nfgenmsg *g = NLMSG_DATA(&msg.h);
  g->nfgen_family = AF_UNSPEC; g->version = NFNETLINK_V0; g->res_id = htons((uint16_t)plain_queue);
  memcpy(g + 1, attrs, attrs_len);
  if (send(nfq, &msg, msg.h.nlmsg_len, 0) < 0) return -1;
  if (!ack) return 0;
  char answer[NFQ_BUF];
  for (;;) {
    ssize_t got = recv(nfq, answer, sizeof answer, 0);
    if (got < 0) return -1;
    for (struct nlmsghdr *h = (struct nlmsghdr *)answer; NLMSG_OK(h, (unsigned)got); h = NLMSG_NEXT(h, got)) {
      if (h->nlmsg_type != NLMSG_ERROR || h->nlmsg_seq != nfq_seq) continue;
      int code = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
      if (code == 0) return 0;
      errno = -code; return -1;
    }
  }
}

/* Appends one netlink attribute to `buf` at `*used`. */
static void nfq_attr(char *buf, size_t *used, uint16_t type, const void *data, uint16_t len) {
  struct nlattr *a = (struct nlattr *)(buf + *used);
  a->nla_len = (uint16_t)(NLA_HDRLEN + len); a->nla_type = type;
  memcpy(buf + *used + NLA_HDRLEN, data, len);
  memset(buf + *used + NLA_HDRLEN + len, 0, NLA_ALIGN(a->nla_len) - a->nla_len);
  *used += NLA_ALIGN(a->nla_len);
}

/* Binds the queue and asks for whole packets (up to SNAP bytes: enough to find a probe's identity). */
static int plain_setup(int tx) {
  nfq = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
  if (nfq < 0) { perror("gre-forward: netlink socket for the plain-IP queue"); return -1; }
  int on = 1, size = 8 << 20;
  setsockopt(nfq, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size);
  /* A burst that overflows the socket loses those packets (the kernel drops them), not the socket. */
  setsockopt(nfq, SOL_NETLINK, NETLINK_NO_ENOBUFS, &on, sizeof on);
  struct sockaddr_nl local = { .nl_family = AF_NETLINK };
  if (bind(nfq, (struct sockaddr *)&local, sizeof local) < 0) { perror("gre-forward: bind netlink"); return -1; }
  char attrs[128]; size_t used = 0;
  struct nfqnl_msg_config_cmd cmd = { .command = NFQNL_CFG_CMD_BIND, .pf = htons(AF_INET) };
  nfq_attr(attrs, &used, NFQA_CFG_CMD, &cmd, sizeof cmd);
  if (nfq_request(NFQNL_MSG_CONFIG, attrs, used, 1) < 0) {
    fprintf(stderr, "gre-forward: cannot bind netfilter queue %d: %s; expected nfnetlink_queue in the kernel and no other process on that queue\n", plain_queue, strerror(errno));
    return -1;
  }
  used = 0;
  struct nfqnl_msg_config_params params = { .copy_range = htonl(SNAP), .copy_mode = NFQNL_COPY_PACKET };
  uint32_t maxlen = htonl(NFQ_KERNEL_QUEUE);
  nfq_attr(attrs, &used, NFQA_CFG_PARAMS, &params, sizeof params);
  nfq_attr(attrs, &used, NFQA_CFG_QUEUE_MAXLEN, &maxlen, sizeof maxlen);
  if (nfq_request(NFQNL_MSG_CONFIG, attrs, used, 1) < 0) { fprintf(stderr, "gre-forward: cannot configure netfilter queue %d: %s\n", plain_queue, strerror(errno)); return -1; }
  if (setsockopt(tx, SOL_SOCKET, SO_MARK, &plain_mark, sizeof plain_mark) < 0) { perror("gre-forward: SO_MARK on the send socket"); return -1; }
  return 0;
}

static void plain_verdict(uint32_t packet_id, uint32_t verdict) {
  char attrs[16]; size_t used = 0;
  struct nfqnl_msg_verdict_hdr v = { .verdict = htonl(verdict), .id = htonl(packet_id) };
  nfq_attr(attrs, &used, NFQA_VERDICT_HDR, &v, sizeof v);
  if (nfq_request(NFQNL_MSG_VERDICT, attrs, used, 0) < 0) plain_errors++;
}

static const struct dev *dev_by_index(uint32_t ifindex) {
  if (ifindex == 0) return NULL;
  for (int i = 0; i < dev_count; i++) if (devs[i].ifindex == (int)ifindex) return &devs[i];
  return NULL;
}

static void plain_release(const struct held *h, int64_t now) {
  plain_verdict(h->verdict_id, NF_ACCEPT);
  plain_accepted++;
  double hold_ns = (double)(now - h->arrival_ns);
  if (h->probe) record_identity(h->id, (uint32_t)h->stamped, h->due_ns > h->arrival_ns ? hold_ns : 0, hold_ns);
}

/* One queued packet: ingress rule by the interface it came in on, egress rule by the one it leaves on. */
static void plain_packet(struct nlattr **attr) {
  if (!attr[NFQA_PACKET_HDR]) return;
  plain_received++;
  const struct nfqnl_msg_packet_hdr *ph = (const void *)((char *)attr[NFQA_PACKET_HDR] + NLA_HDRLEN);
  uint32_t packet_id = ntohl(ph->packet_id), indev = 0, outdev = 0;
  if (attr[NFQA_IFINDEX_INDEV]) { memcpy(&indev, (char *)attr[NFQA_IFINDEX_INDEV] + NLA_HDRLEN, 4); indev = ntohl(indev); }
  if (attr[NFQA_IFINDEX_OUTDEV]) { memcpy(&outdev, (char *)attr[NFQA_IFINDEX_OUTDEV] + NLA_HDRLEN, 4); outdev = ntohl(outdev); }
  int64_t now = now_rt(), arrival = now;
  int stamped = 0;
  if (attr[NFQA_TIMESTAMP]) {
    struct nfqnl_msg_packet_timestamp ts; memcpy(&ts, (char *)attr[NFQA_TIMESTAMP] + NLA_HDRLEN, sizeof ts);
    int64_t stamp = (int64_t)be64toh(ts.sec) * 1000000000 + (int64_t)be64toh(ts.usec) * 1000;
    /* Only a receive stamp is an arrival time; a sender's pacing time (TCP's, on the monotonic clock) is not. */
    if (stamp <= now && now - stamp < STAMP_TRUST_NS) { arrival = stamp; stamped = 1; }
  }
  const struct dev *in = dev_by_index(indev), *out = dev_by_index(outdev);
  int64_t delay_ns = 0;
  switch (impair(in ? find(1, in->local) : NULL, out ? find(0, out->peer) : NULL, &delay_ns)) {
    case FATE_DOWN: plain_down++; plain_verdict(packet_id, NF_DROP); return;
    case FATE_LOSS: plain_loss++; plain_verdict(packet_id, NF_DROP); return;
    default: break;
  }
  uint32_t id[3];
  int probe = 0;
  if (truth && attr[NFQA_PAYLOAD]) probe = probe_identity((unsigned char *)attr[NFQA_PAYLOAD] + NLA_HDRLEN, attr[NFQA_PAYLOAD]->nla_len - NLA_HDRLEN, id);
  struct held *h = NULL;
  if (delay_ns > 0 && queued < MAX_QUEUE) h = malloc(sizeof *h);
  if (delay_ns > 0 && !h) { plain_loss++; plain_verdict(packet_id, NF_DROP); return; }
  struct held now_held = { .due_ns = arrival, .arrival_ns = arrival, .plain = 1, .probe = probe, .stamped = stamped, .verdict_id = packet_id };
  if (probe) memcpy(now_held.id, id, sizeof id);
  if (delay_ns == 0) { plain_release(&now_held, now_rt()); return; }
  memcpy(h, &now_held, sizeof now_held);
  h->due_ns = arrival + delay_ns; h->len = 0;
  hold(h);
  plain_delayed++;
}

/* Reads what the queue has (at most BATCH messages, so held releases are never starved). */
static void plain_receive(void) {
  static char buf[NFQ_BUF] __attribute__((aligned(8)));
  for (int round = 0; round < BATCH; round++) {
    ssize_t got = recv(nfq, buf, sizeof buf, MSG_DONTWAIT);
    if (got <= 0) return;
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (unsigned)got); h = NLMSG_NEXT(h, got)) {
      if (h->nlmsg_type != ((NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET)) continue;
      struct nlattr *attr[NFQA_MAX + 1] = {0};
      char *at = (char *)NLMSG_DATA(h) + sizeof(struct nfgenmsg), *end = (char *)h + h->nlmsg_len;
      while (at + NLA_HDRLEN <= end) {
        struct nlattr *a = (struct nlattr *)at;
        if (a->nla_len < NLA_HDRLEN || at + a->nla_len > end) break;
        unsigned type = a->nla_type & NLA_TYPE_MASK;
        if (type <= NFQA_MAX) attr[type] = a;
        at += NLA_ALIGN(a->nla_len);
      }
      /* Attributes shorter than their kind are malformed: ignore them rather than read past them. */
      if (attr[NFQA_PACKET_HDR] && attr[NFQA_PACKET_HDR]->nla_len < NLA_HDRLEN + sizeof(struct nfqnl_msg_packet_hdr)) continue;
      if (attr[NFQA_IFINDEX_INDEV] && attr[NFQA_IFINDEX_INDEV]->nla_len < NLA_HDRLEN + 4) attr[NFQA_IFINDEX_INDEV] = NULL;
      if (attr[NFQA_IFINDEX_OUTDEV] && attr[NFQA_IFINDEX_OUTDEV]->nla_len < NLA_HDRLEN + 4) attr[NFQA_IFINDEX_OUTDEV] = NULL;
      if (attr[NFQA_TIMESTAMP] && attr[NFQA_TIMESTAMP]->nla_len < NLA_HDRLEN + sizeof(struct nfqnl_msg_packet_timestamp)) attr[NFQA_TIMESTAMP] = NULL;
      plain_packet(attr);
    }
  }
}

static void release_due(int tx) {
  int64_t now = now_rt();
  int done = 0;
  while (done < queued && queue[done]->due_ns <= now) {
    struct held *h = queue[done++];
    if (h->plain) plain_release(h, now_rt());
    else transmit(tx, h->data, h->len, h->arrival_ns, h->due_ns - h->arrival_ns);
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
  /* Without the queue GRE forwarding still works: say so and go on (the rules let packets bypass an unbound queue). */
  if (plain_queue >= 0 && plain_setup(tx) != 0) {
    fprintf(stderr, "gre-forward: plain IP crossing this router is not impaired\n");
    if (nfq >= 0) close(nfq);
    nfq = -1;
  }
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
    struct pollfd pfd[2] = { { .fd = rx, .events = POLLIN }, { .fd = nfq, .events = POLLIN } };
    struct timespec ts = { .tv_sec = wait_ns / 1000000000, .tv_nsec = wait_ns % 1000000000 };
    if (ppoll(pfd, nfq >= 0 ? 2 : 1, &ts, &unblocked) < 0 && errno != EINTR) { perror("gre-forward: ppoll"); return 2; }
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
    if (nfq >= 0 && (pfd[1].revents & (POLLIN | POLLERR))) plain_receive();
    if (queued) release_due(tx);
  }
  truth_flush();
  if (truth) fclose(truth);
  report();
  return 0;
}
