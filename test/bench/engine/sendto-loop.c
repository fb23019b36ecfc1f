/*
 * The throughput ceiling: a plain C loop that sends one prebuilt packet with sendto() on an IPPROTO_RAW
 * socket as fast as one core allows, patching a 32-bit counter into it per packet (as any prober
 * patches its sequence number) so the loop is not sending a constant. With a sink port it also forks a
 * receiver that counts the UDP datagrams coming back on that port, so the same tool measures the
 * decapsulating responder on its own and keeps returning packets from drawing ICMP port-unreachables.
 *
 * usage: sendto-loop PACKET_HEX DESTINATION SECONDS [SINK_PORT [COUNTER_OFFSET]]
 * prints: sent=N seconds=S received=R
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }

int main(int argc, char **argv) {
  if (argc < 4) { fprintf(stderr, "usage: sendto-loop PACKET_HEX DESTINATION SECONDS [SINK_PORT [COUNTER_OFFSET]]\n"); return 2; }
  size_t hexlen = strlen(argv[1]);
  if (hexlen % 2 || hexlen / 2 > 65535) { fprintf(stderr, "sendto-loop: PACKET_HEX must be whole bytes, got %zu hex digits\n", hexlen); return 2; }
  size_t len = hexlen / 2;
  unsigned char *pkt = malloc(len);
  for (size_t i = 0; i < len; i++) sscanf(argv[1] + 2 * i, "%2hhx", &pkt[i]);
  struct sockaddr_in to = { .sin_family = AF_INET };
  if (inet_pton(AF_INET, argv[2], &to.sin_addr) != 1) { fprintf(stderr, "sendto-loop: bad destination %s\n", argv[2]); return 2; }
  double seconds = atof(argv[3]);
  int sink_port = argc > 4 ? atoi(argv[4]) : 0;
  size_t counter_at = argc > 5 ? (size_t)atoi(argv[5]) : len - 4;

  volatile unsigned long long *received = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  *received = 0;
  pid_t child = -1;
  if (sink_port) {
    int rx = socket(AF_INET, SOCK_DGRAM, 0);
    int size = 8 << 20;
    setsockopt(rx, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size);
    struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons(sink_port) };
    if (bind(rx, (struct sockaddr *)&any, sizeof any) < 0) { perror("sendto-loop: bind"); return 2; }
    child = fork();
    if (child == 0) {
      static unsigned char bufs[64][2048];
      struct mmsghdr msgs[64]; struct iovec iovs[64];
      for (int i = 0; i < 64; i++) { iovs[i].iov_base = bufs[i]; iovs[i].iov_len = 2048; memset(&msgs[i], 0, sizeof msgs[i]); msgs[i].msg_hdr.msg_iov = &iovs[i]; msgs[i].msg_hdr.msg_iovlen = 1; }
      for (;;) { int n = recvmmsg(rx, msgs, 64, MSG_WAITFORONE, NULL); if (n > 0) *received += n; }
    }
    close(rx);
  }
  int tx = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
  if (tx < 0) { perror("sendto-loop: socket"); return 2; }
  unsigned long long sent = 0;
  double start = now_s(), end = start + seconds, t = start;
  while (t < end) {
    for (int i = 0; i < 256; i++) {
      uint32_t c = (uint32_t)sent;
      memcpy(pkt + counter_at, &c, 4);
      if (sendto(tx, pkt, len, 0, (struct sockaddr *)&to, sizeof to) == (ssize_t)len) sent++;
    }
    t = now_s();
  }
  double elapsed = t - start;
  if (child > 0) { usleep(200000); kill(child, SIGKILL); waitpid(child, NULL, 0); }
  printf("sent=%llu seconds=%.6f received=%llu\n", sent, elapsed, *received);
  return 0;
}
