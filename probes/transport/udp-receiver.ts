/**
 * Receives the returning UDP probes on an ordinary datagram socket.
 *
 * The innermost packet is plain UDP to the prober, so the kernel's UDP stack delivers it; binding port 0
 * lets several probers share a host without choosing ports. The receive time is taken when the event
 * loop hands us the datagram: the honest timestamp a dgram socket can give (see the README's accuracy
 * notes). The socket must be bound before probes are built, since they carry its port.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { ProbeReceiver } from './transport.js';

export class UdpProbeReceiver implements ProbeReceiver {
  private handler: (payload: Buffer, receivedNs: bigint) => void = () => {};
  /** Socket errors after bind (ICMP errors reported on the socket): counted, never fatal. */
  socketErrors = 0;

  private constructor(private readonly socket: Socket) {
    socket.on('message', (payload) => this.handler(payload, process.hrtime.bigint()));
    socket.on('error', () => this.socketErrors++);
  }

  static async bind(address: string, port = 0): Promise<UdpProbeReceiver> {
    const socket = createSocket({ type: 'udp4' });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address, port, exclusive: true }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new UdpProbeReceiver(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  onPayload(handler: (payload: Buffer, receivedNs: bigint) => void): void {
    this.handler = handler;
  }

  close(): void {
    this.socket.close();
  }
}
