/**
 * The source address the kernel would give a packet to an address: what a TCP probe's checksum must
 * cover, since a raw TCP socket leaves the IPv4 header (and so the source) to the kernel. Asked the
 * kernel's own way: connect a UDP socket (nothing is sent) and read the address it was bound to.
 */
import { createSocket } from 'node:dgram';

export async function routeSourceAddress(destination: string): Promise<string> {
  const socket = createSocket('udp4');
  try {
    return await new Promise<string>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(9, destination, () => resolve(socket.address().address));
    });
  } finally {
    socket.close();
  }
}
