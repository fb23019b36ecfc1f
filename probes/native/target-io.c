/*
 * pathmon's target probe helper: one process per probe kind (icmp, tcp, udp) that owns the kind's
 * sockets, sends each probe the engine hands it with the send time taken right before sendto(), and
 * reads replies with the kernel's receive timestamp (SO_TIMESTAMPNS), so an RTT is the network's and
 * not the time Node's event loop took to get round to a packet. Node cannot ask for either: its dgram
 * sockets give no ancillary data, it has no raw TCP or ping sockets at all.
 *
 * The helper knows nothing about probes: the engine builds every byte (ICMP echo, TCP SYN, UDP payload)
 * and matches every reply; the helper only sends, stamps and reads. Sends and receives happen on one
 * thread, so a probe's send report is always written before any reply to it can be read: the engine
 * never sees a reply before it knows when its probe left.
 *
 * usage: target-io MODE SOURCE_ADDRESS
 *   MODE icmp-raw   SOCK_RAW/IPPROTO_ICMP (CAP_NET_RAW); replies arrive with their IPv4 header
 *        icmp-dgram SOCK_DGRAM/IPPROTO_ICMP, the unprivileged ping socket (net.ipv4.ping_group_range);
 *                   the kernel sets the echo identifier (the "ready" line says which) and checksum
 *        tcp        SOCK_RAW/IPPROTO_TCP (CAP_NET_RAW): the engine's TCP header goes out under the
 *                   kernel's IPv4 header; every incoming TCP segment arrives with its IPv4 header
 *        udp        one UDP socket per source port asked for (port 0: one ephemeral socket), opened
 *                   on first use and kept, at most MAX_UDP_SOCKETS
 *   SOURCE_ADDRESS dotted IPv4 to bind, 0.0.0.0 to let the kernel choose
 * Every socket sets DF (IP_PMTUDISC_DO): a probe larger than the path MTU fails instead of fragmenting.
 *
 * stdout, first: "ready ID\n" (icmp-dgram: the echo identifier; udp: the ephemeral port; else 0), or on
 * failure a line on stderr and exit status 3 when the socket was refused for lack of privilege (EPERM,
 * EACCES), 2 otherwise.
 * stdin, commands (host byte order): u32 slot | 4 bytes destination (network order) | u16 destination
 *   port | u16 source port | u16 length | u16 flags (bit 0: do not report; bit 1: sync, send nothing,
 *   read what the sockets hold, then write a sync record carrying `slot`) | length bytes
 * stdout, records (host byte order), a 32-byte head then `captured` bytes padded to a multiple of 8:
 *   u8 type (1 sent, 2 received, 3 sync) | u8 flags (bit 0 data starts with an IPv4 header, bit 1 no kernel
 *   stamp) | u16 captured | u32 slot (sent) or datagram length (received) | u64 time ns CLOCK_MONOTONIC
 *   | 4 bytes peer address (network order) | u16 peer port | u16 local port (sent: the source port used)
 *   | u32 errno (sent; 0 = sent) | u32 reserved
 * Exits when stdin ends, stdout closes, or the engine dies (parent-death signal).
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
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MODE_ICMP_RAW 0
#define MODE_ICMP_DGRAM 1
#define MODE_TCP 2
#define MODE_UDP 3
#define MAX_UDP_SOCKETS 4096
#define CAPTURE 128
#define BATCH 64
#define SNAP 2048
#define CMD_HEAD 16
#define MAX_CMD (CMD_HEAD + 65535)
#define OUT_BYTES (1 << 18)

static int mode;
static struct in_addr source;
static int main_fd = -1;
static int epoll_fd;
static int udp_fd_by_port[65536];
static int udp_sockets;
static uint16_t default_udp_port;

static unsigned char out[OUT_BYTES];
static size_t out_used;

static int64_t ns(clockid_t clock) { struct timespec t; clock_gettime(clock, &t); return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec; }

static int write_all(const unsigned char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(1, p, n);
    if (w < 0) { if (errno == EINTR) continue; return -1; }
    p += w; n -= (size_t)w;
  }
  return 0;
}

static void flush_out(void) {
  if (out_used > 0 && write_all(out, out_used) < 0) exit(0);
  out_used = 0;
}

static void record(uint8_t type, uint8_t flags, uint32_t slot_or_length, int64_t t, const struct sockaddr_in *peer, uint16_t local_port,
                   uint32_t err, const unsigned char *data, size_t length) {
  size_t captured = length < CAPTURE ? length : CAPTURE;
  size_t padded = (captured + 7) & ~(size_t)7;
  if (out_used + 32 + padded > OUT_BYTES) flush_out();
  unsigned char *r = out + out_used;
  memset(r, 0, 32 + padded);
  uint16_t c = (uint16_t)captured;
  r[0] = type; r[1] = flags; memcpy(r + 2, &c, 2); memcpy(r + 4, &slot_or_length, 4); memcpy(r + 8, &t, 8);
  if (peer) { memcpy(r + 16, &peer->sin_addr, 4); uint16_t port = ntohs(peer->sin_port); memcpy(r + 20, &port, 2); }
  memcpy(r + 22, &local_port, 2); memcpy(r + 24, &err, 4);
  if (captured) memcpy(r + 32, data, captured);
  out_used += 32 + padded;
}

static void tune(int fd) {
  int on = 1, size = 8 << 20, df = IP_PMTUDISC_DO;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) < 0) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
  setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &df, sizeof df);
}

static void watch(int fd) {
  struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
  epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev);
}

static void fail(const char *what, int err) {
  fprintf(stderr, "target-io: %s: %s (errno %d)\n", what, strerror(err), err);
  exit(err == EPERM || err == EACCES ? 3 : 2);
}

/* A UDP socket bound to (source, port), opened on first use; -errno when it cannot be. */
static int udp_socket(uint16_t port) {
  if (port != 0 && udp_fd_by_port[port] > 0) return udp_fd_by_port[port];
  if (udp_sockets >= MAX_UDP_SOCKETS) return -EMFILE;
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  if (fd < 0) return -errno;
  tune(fd);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr = source };
  if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) { int e = errno; close(fd); return -e; }
  socklen_t len = sizeof a;
  getsockname(fd, (struct sockaddr *)&a, &len);
  udp_fd_by_port[ntohs(a.sin_port)] = fd;
  udp_sockets++;
  watch(fd);
  return fd;
}

static uint16_t local_port_of(int fd) {
  struct sockaddr_in a; socklen_t len = sizeof a;
  if (getsockname(fd, (struct sockaddr *)&a, &len) < 0) return 0;
  return ntohs(a.sin_port);
}

static void drain(int fd);

/* A barrier: everything the sockets hold now is read and written out before the sync record. */
static void sync_command(uint32_t token) {
  if (mode == MODE_UDP) {
    for (int port = 0; port < 65536; port++) if (udp_fd_by_port[port] > 0) drain(udp_fd_by_port[port]);
  } else {
    drain(main_fd);
  }
  record(3, 0, token, ns(CLOCK_MONOTONIC), NULL, 0, 0, NULL, 0);
}

static void send_command(const unsigned char *c) {
  uint32_t slot; uint16_t dport, sport, length, flags;
  memcpy(&slot, c, 4); memcpy(&dport, c + 8, 2); memcpy(&sport, c + 10, 2); memcpy(&length, c + 12, 2); memcpy(&flags, c + 14, 2);
  if (flags & 2) { sync_command(slot); return; }
  struct sockaddr_in to = { .sin_family = AF_INET };
  memcpy(&to.sin_addr, c + 4, 4);
  int fd = main_fd;
  uint16_t local = sport;
  if (mode == MODE_UDP) {
    to.sin_port = htons(dport);
    fd = sport == 0 ? udp_fd_by_port[default_udp_port] : udp_socket(sport);
    local = sport == 0 ? default_udp_port : sport;
  }
  uint32_t err = 0;
  int64_t t = ns(CLOCK_MONOTONIC);
  if (fd < 0) {
    err = (uint32_t)-fd;
  } else {
    ssize_t w = sendto(fd, c + CMD_HEAD, length, 0, (struct sockaddr *)&to, sizeof to);
    if (w < 0) err = (uint32_t)errno;
    else if (w != length) err = EMSGSIZE;
  }
  if (!(flags & 1)) record(1, 0, slot, t, &to, local, err, NULL, 0);
}

static void drain(int fd) {
  static unsigned char bufs[BATCH][SNAP];
  static unsigned char ctrl[BATCH][128];
  static struct sockaddr_in names[BATCH];
  struct mmsghdr msgs[BATCH];
  struct iovec iovs[BATCH];
  uint16_t local = mode == MODE_UDP ? local_port_of(fd) : 0;
  for (int rounds = 0; rounds < 16; rounds++) {
    for (int i = 0; i < BATCH; i++) {
      iovs[i].iov_base = bufs[i]; iovs[i].iov_len = SNAP;
      memset(&msgs[i], 0, sizeof msgs[i]);
      msgs[i].msg_hdr.msg_iov = &iovs[i]; msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_control = ctrl[i]; msgs[i].msg_hdr.msg_controllen = sizeof ctrl[i];
      msgs[i].msg_hdr.msg_name = &names[i]; msgs[i].msg_hdr.msg_namelen = sizeof names[i];
    }
    int got = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
    if (got <= 0) return;
    int64_t offset = ns(CLOCK_REALTIME) - ns(CLOCK_MONOTONIC);
    int64_t mono_now = ns(CLOCK_MONOTONIC);
    for (int i = 0; i < got; i++) {
      int64_t rx = -1;
      for (struct cmsghdr *h = CMSG_FIRSTHDR(&msgs[i].msg_hdr); h; h = CMSG_NXTHDR(&msgs[i].msg_hdr, h)) {
        if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_TIMESTAMPNS) {
          struct timespec ts; memcpy(&ts, CMSG_DATA(h), sizeof ts);
          rx = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec - offset;
        }
      }
      uint8_t flags = (mode == MODE_ICMP_RAW || mode == MODE_TCP) ? 1 : 0;
      /* No kernel stamp, or one from the future after a clock step: the time it was read instead. */
      if (rx < 0 || rx > mono_now) { rx = mono_now; flags |= 2; }
      size_t length = msgs[i].msg_len < SNAP ? msgs[i].msg_len : SNAP;
      record(2, flags, msgs[i].msg_len, rx, &names[i], local, 0, bufs[i], length);
    }
    if (got < BATCH) return;
  }
}

static void die_with_parent(void) {
  pid_t parent = getppid();
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) { perror("target-io: prctl(PR_SET_PDEATHSIG)"); exit(2); }
  if (getppid() != parent) exit(0);
}

int main(int argc, char **argv) {
  die_with_parent();
  signal(SIGPIPE, SIG_IGN);
  if (argc != 3) { fprintf(stderr, "target-io: usage: target-io icmp-raw|icmp-dgram|tcp|udp SOURCE_ADDRESS\n"); return 2; }
  if (strcmp(argv[1], "icmp-raw") == 0) mode = MODE_ICMP_RAW;
  else if (strcmp(argv[1], "icmp-dgram") == 0) mode = MODE_ICMP_DGRAM;
  else if (strcmp(argv[1], "tcp") == 0) mode = MODE_TCP;
  else if (strcmp(argv[1], "udp") == 0) mode = MODE_UDP;
  else { fprintf(stderr, "target-io: mode %s, expected icmp-raw, icmp-dgram, tcp or udp\n", argv[1]); return 2; }
  if (inet_pton(AF_INET, argv[2], &source) != 1) { fprintf(stderr, "target-io: bad source address %s, expected dotted IPv4\n", argv[2]); return 2; }
  epoll_fd = epoll_create1(0);
  if (epoll_fd < 0) fail("epoll_create1", errno);
  unsigned ready_id = 0;
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr = source };
  if (mode == MODE_UDP) {
    int fd = udp_socket(0);
    if (fd < 0) fail("udp socket", -fd);
    default_udp_port = local_port_of(fd);
    ready_id = default_udp_port;
  } else {
    int type = mode == MODE_ICMP_DGRAM ? SOCK_DGRAM : SOCK_RAW;
    int protocol = mode == MODE_TCP ? IPPROTO_TCP : IPPROTO_ICMP;
    main_fd = socket(AF_INET, type | SOCK_NONBLOCK, protocol);
    if (main_fd < 0) fail(mode == MODE_ICMP_DGRAM ? "socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)" : "raw socket", errno);
    tune(main_fd);
    /* A ping socket always binds: the port it gets is the echo identifier the kernel writes. */
    if ((mode == MODE_ICMP_DGRAM || source.s_addr != 0) && bind(main_fd, (struct sockaddr *)&a, sizeof a) < 0) fail("bind", errno);
    if (mode == MODE_ICMP_DGRAM) ready_id = local_port_of(main_fd);
    watch(main_fd);
  }
  watch(0);
  printf("ready %u\n", ready_id);
  fflush(stdout);

  static unsigned char in[MAX_CMD * 2];
  size_t in_used = 0;
  struct epoll_event events[64];
  for (;;) {
    int n = epoll_wait(epoll_fd, events, 64, -1);
    if (n < 0) { if (errno == EINTR) continue; fail("epoll_wait", errno); }
    for (int i = 0; i < n; i++) {
      int fd = events[i].data.fd;
      if (fd != 0) { drain(fd); continue; }
      ssize_t r = read(0, in + in_used, sizeof in - in_used);
      if (r == 0) { flush_out(); return 0; }
      if (r < 0) { if (errno == EINTR || errno == EAGAIN) continue; return 0; }
      in_used += (size_t)r;
      size_t at = 0;
      while (in_used - at >= CMD_HEAD) {
        uint16_t length; memcpy(&length, in + at + 12, 2);
        if (in_used - at < CMD_HEAD + (size_t)length) break;
        send_command(in + at);
        at += CMD_HEAD + length;
      }
      memmove(in, in + at, in_used - at);
      in_used -= at;
    }
    flush_out();
  }
}
