// Types for the parts of the raw-socket package pathmon uses (the package ships none).
declare module 'raw-socket' {
  import { EventEmitter } from 'node:events';
  export interface SocketOptions {
    protocol?: number;
    addressFamily?: number;
    bufferSize?: number;
  }
  export class Socket extends EventEmitter {
    send(buffer: Buffer, offset: number, length: number, address: string, beforeCallback: (() => void) | null, afterCallback: (error: Error | null, bytes: number) => void): this;
    setOption(level: number, option: number, value: number): void;
    pauseRecv(): this;
    resumeRecv(): this;
    close(): this;
    on(event: 'message', listener: (buffer: Buffer, source: string) => void): this;
    on(event: 'error', listener: (error: Error) => void): this;
    on(event: 'close', listener: () => void): this;
  }
  export function createSocket(options: SocketOptions): Socket;
  export const AddressFamily: { IPv4: number; IPv6: number };
  export const SocketLevel: { IPPROTO_IP: number; SOL_SOCKET: number };
  export const SocketOption: { IP_HDRINCL: number; IP_TTL: number; SO_RCVBUF: number; SO_SNDBUF: number };
  const raw: {
    createSocket: typeof createSocket;
    AddressFamily: typeof AddressFamily;
    SocketLevel: typeof SocketLevel;
    SocketOption: typeof SocketOption;
  };
  export default raw;
}
