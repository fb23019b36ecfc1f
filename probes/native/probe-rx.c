/*
 * pathmon's probe receiver helper: receives returning probes on a UDP socket with the kernel's receive
 * timestamp (SO_TIMESTAMPNS, taken when the packet enters the socket layer, before any queueing in
 * user space) and hands them to the engine in fixed 64-byte records on stdout.
 *
 * Why a helper: Node's dgram socket can only give the time its event loop got round to a datagram,
 * which at high probe rates or on a busy machine is the prober's own queueing, not the network's; and
 * one datagram per event costs more than the send side. Here recvmmsg takes up to 64 datagrams per
 * system call and the engine reads records in large chunks. The kernel stamps with CLOCK_REALTIME;
 * the helper converts to CLOCK_MONOTONIC (Node's process.hrtime) with the offset between the two clocks
 * read around each batch, so a clock step cannot bend an RTT by more than it moved during one batch.
 *
 * usage: probe-rx BIND_ADDRESS PORT   (PORT 0 picks one)
 * stdout: first the line "port N\n", then records:
 *   u32 datagram length (host order) | u32 reserved | u64 receive time ns, CLOCK_MONOTONIC (host order)
 *   | the datagram's first 48 bytes, zero padded
 * Exits when stdout closes (the engine went away), on SIGTERM, and when the engine dies: the helper
 * blocks in recvmmsg and only notices a closed stdout on its next datagram, so without a parent-death
 * signal a kill -9 of the monitor would leave it running, holding the probe port, for ever.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define SNAP 2048
#define DATA 48
#define RECORD 64

static int64_t ns(clockid_t clock) { struct timespec t; clock_gettime(clock, &t); return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec; }

static int write_all(const unsigned char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(1, p, n);
    if (w < 0) { if (errno == EINTR) continue; return -1; }
    p += w; n -= (size_t)w;
  }
  return 0;
}

/*
 * The kernel kills us with SIGKILL when the process that started us dies. If it died before prctl took
 * effect we have already been handed to a reaper: getppid() changed, so leave now. (If it died before
 * main even ran, the first write to its closed pipe ends us as well.)
 */
static void die_with_parent(void) {
  pid_t parent = getppid();
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) { perror("probe-rx: prctl(PR_SET_PDEATHSIG)"); exit(2); }
  if (getppid() != parent) exit(0);
}

int main(int argc, char **argv) {
  die_with_parent();
  if (argc != 3) { fprintf(stderr, "probe-rx: usage: probe-rx BIND_ADDRESS PORT\n"); return 2; }
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2])) };
  if (inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1) { fprintf(stderr, "probe-rx: bad bind address %s, expected dotted IPv4\n", argv[1]); return 2; }
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) { perror("probe-rx: socket"); return 2; }
  int on = 1, size = 16 << 20;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) < 0) { perror("probe-rx: SO_TIMESTAMPNS"); return 2; }
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) { perror("probe-rx: bind"); return 2; }
  socklen_t len = sizeof addr;
  getsockname(fd, (struct sockaddr *)&addr, &len);
  char line[32];
  int n = snprintf(line, sizeof line, "port %u\n", ntohs(addr.sin_port));
  if (write_all((unsigned char *)line, (size_t)n) < 0) return 0;

  static unsigned char bufs[BATCH][SNAP];
  static unsigned char ctrl[BATCH][64];
  static unsigned char out[BATCH * RECORD];
  struct mmsghdr msgs[BATCH];
  struct iovec iovs[BATCH];
  for (;;) {
    for (int i = 0; i < BATCH; i++) {
      iovs[i].iov_base = bufs[i]; iovs[i].iov_len = SNAP;
      memset(&msgs[i], 0, sizeof msgs[i]);
      msgs[i].msg_hdr.msg_iov = &iovs[i]; msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_control = ctrl[i]; msgs[i].msg_hdr.msg_controllen = sizeof ctrl[i];
    }
    int got = recvmmsg(fd, msgs, BATCH, MSG_WAITFORONE, NULL);
    if (got < 0) { if (errno == EINTR) continue; perror("probe-rx: recvmmsg"); return 2; }
    int64_t before = ns(CLOCK_REALTIME) - ns(CLOCK_MONOTONIC);
    int64_t mono_now = ns(CLOCK_MONOTONIC);
    for (int i = 0; i < got; i++) {
      unsigned char *r = out + i * RECORD;
      uint32_t dlen = msgs[i].msg_len, reserved = 0;
      int64_t rx = -1;
      for (struct cmsghdr *c = CMSG_FIRSTHDR(&msgs[i].msg_hdr); c; c = CMSG_NXTHDR(&msgs[i].msg_hdr, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
          struct timespec t; memcpy(&t, CMSG_DATA(c), sizeof t);
          rx = (int64_t)t.tv_sec * 1000000000 + t.tv_nsec - before;
        }
      }
      /* No kernel stamp (should not happen) or one from the future after a clock step: use now. */
      if (rx < 0 || rx > mono_now) { rx = mono_now; reserved = 1; }
      memcpy(r, &dlen, 4); memcpy(r + 4, &reserved, 4); memcpy(r + 8, &rx, 8);
      memset(r + 16, 0, DATA);
      memcpy(r + 16, bufs[i], dlen < DATA ? dlen : DATA);
    }
    if (write_all(out, (size_t)got * RECORD) < 0) return 0;
  }
}
