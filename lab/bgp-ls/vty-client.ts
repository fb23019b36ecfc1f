/**
 * A client for an FRR daemon's vtysh socket (`DIR/ospfd.vty`), so the originator can poll the IGP every
 * 100 ms for about 2 ms each instead of starting a `vtysh` process (tens of ms of CPU) every time.
 *
 * The protocol is vtysh's own: the command as text ending in a NUL byte; the daemon answers with the
 * output followed by three NUL bytes and a status byte (0 = success). One command at a time per socket.
 */
import { connect, type Socket } from 'node:net';

export class VtyError extends Error {
  override name = 'VtyError';
}

const END_MARK_BYTES = 4;

export class VtyClient {
  private socket: Socket | undefined;
  private pending: { resolve: (text: string) => void; reject: (error: Error) => void; timer: NodeJS.Timeout } | undefined;
  private chunks: Buffer[] = [];

  constructor(
    readonly socketPath: string,
    private readonly timeoutMs = 2_000,
  ) {}

  /** Runs one command; rejects with VtyError on a failure status, a timeout or a broken socket. */
  async run(command: string): Promise<string> {
    if (this.pending) throw new VtyError(`bgpLs.VtyClient.run: "${command}" while another command is running; expected one at a time`);
    const socket = await this.connected();
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new VtyError(`bgpLs.VtyClient.run: no answer to "${command}" from ${this.socketPath} within ${this.timeoutMs} ms`)), this.timeoutMs);
      this.pending = { resolve, reject, timer };
      this.chunks = [];
      socket.write(`${command}\0`);
    });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private connected(): Promise<Socket> {
    if (this.socket && !this.socket.destroyed) return Promise.resolve(this.socket);
    return new Promise((resolve, reject) => {
      const socket = connect(this.socketPath);
      socket.once('connect', () => {
        this.socket = socket;
        resolve(socket);
      });
      socket.once('error', (error) => {
        if (this.socket !== socket) reject(new VtyError(`bgpLs.VtyClient: cannot connect to ${this.socketPath}: ${error.message}`));
        else this.fail(new VtyError(`bgpLs.VtyClient: ${this.socketPath} failed: ${error.message}`));
      });
      // A socket this client already dropped (after a timeout) closes later: that must not fail the
      // command now running on its successor.
      socket.on('close', () => {
        if (this.socket !== socket) return;
        this.socket = undefined;
        this.fail(new VtyError(`bgpLs.VtyClient: ${this.socketPath} closed the connection`));
      });
      socket.on('data', (data: Buffer) => this.receive(data));
    });
  }

  private receive(data: Buffer): void {
    this.chunks.push(data);
    const all = Buffer.concat(this.chunks);
    this.chunks = [all];
    const n = all.length;
    if (n < END_MARK_BYTES || all[n - 4] !== 0 || all[n - 3] !== 0 || all[n - 2] !== 0) return;
    const status = all[n - 1]!;
    const text = all.subarray(0, n - END_MARK_BYTES).toString('utf8');
    const pending = this.pending;
    if (!pending) return;
    clearTimeout(pending.timer);
    this.pending = undefined;
    this.chunks = [];
    if (status === 0) pending.resolve(text);
    else pending.reject(new VtyError(`bgpLs.VtyClient.run: ${this.socketPath} answered with status ${status}: ${text.trim().slice(0, 200)}`));
  }

  private fail(error: Error): void {
    const pending = this.pending;
    if (!pending) return;
    clearTimeout(pending.timer);
    this.pending = undefined;
    this.chunks = [];
    this.close();
    pending.reject(error);
  }
}
