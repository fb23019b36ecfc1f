/**
 * gobgpd's gRPC API, as far as the lab needs it: add and delete BGP-LS paths in the global RIB, and ask
 * how many there are. gobgpd refuses BGP-LS through its CLI and its structured NLRI messages, but takes
 * raw wire bytes (`Path.nlri_binary`, `Path.pattrs_binary`), so that is all this client sends.
 *
 * The `.proto` files are Debian's (golang-github-osrg-gobgp-dev), loaded at run time with
 * @grpc/proto-loader: they are gobgpd's own contract, so there is no generated code to drift from it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { AFI_LS, SAFI_LS, mpReachLs, originIgp } from './bgp-update.js';

export const GOBGP_PROTO_DIR = process.env.PATHMON_GOBGP_PROTO_DIR ?? '/usr/share/gocode/src/github.com/osrg/gobgp/api';
const TABLE_GLOBAL = 0;

export class GobgpError extends Error {
  override name = 'GobgpError';
}

type Callback<T> = (error: grpc.ServiceError | null, response: T) => void;
interface GobgpApi extends grpc.Client {
  AddPath(request: object, callback: Callback<unknown>): void;
  DeletePath(request: object, callback: Callback<unknown>): void;
  ListPath(request: object): grpc.ClientReadableStream<unknown>;
}

export class GobgpClient {
  private readonly api: GobgpApi;

  constructor(readonly address: string) {
    const proto = join(GOBGP_PROTO_DIR, 'gobgp.proto');
    if (!existsSync(proto)) throw new GobgpError(`bgpLs.GobgpClient: no ${proto}; expected Debian's golang-github-osrg-gobgp-dev (or PATHMON_GOBGP_PROTO_DIR)`);
    const definition = protoLoader.loadSync(proto, { keepCase: true, longs: String, enums: Number, defaults: false, includeDirs: [GOBGP_PROTO_DIR] });
    const loaded = grpc.loadPackageDefinition(definition) as unknown as { apipb: { GobgpApi: new (address: string, credentials: grpc.ChannelCredentials) => GobgpApi } };
    this.api = new loaded.apipb.GobgpApi(address, grpc.credentials.createInsecure());
  }

  /** Announces one BGP-LS route: ORIGIN, MP_REACH with `nextHop` and the NLRI, and the BGP-LS attribute. */
  addLsPath(nlri: Buffer, lsAttribute: Buffer, nextHop: string): Promise<void> {
    const path = { family: lsFamily(), nlri_binary: nlri, pattrs_binary: [originIgp(), mpReachLs(nextHop, [nlri]), lsAttribute] };
    return this.call('AddPath', { table_type: TABLE_GLOBAL, path });
  }

  /** Withdraws one BGP-LS route the lab announced. */
  deleteLsPath(nlri: Buffer): Promise<void> {
    const path = { family: lsFamily(), nlri_binary: nlri, is_withdraw: true };
    return this.call('DeletePath', { table_type: TABLE_GLOBAL, family: lsFamily(), path });
  }

  /** How many BGP-LS destinations the global RIB holds. */
  countLsPaths(deadlineMs = 5_000): Promise<number> {
    return new Promise((resolve, reject) => {
      let count = 0;
      const stream = this.api.ListPath({ table_type: TABLE_GLOBAL, family: lsFamily() });
      const timer = setTimeout(() => stream.cancel(), deadlineMs);
      stream.on('data', () => count++);
      stream.on('error', (error: Error) => {
        clearTimeout(timer);
        reject(new GobgpError(`bgpLs.GobgpClient.countLsPaths: ${this.address}: ${error.message}`));
      });
      stream.on('end', () => {
        clearTimeout(timer);
        resolve(count);
      });
    });
  }

  close(): void {
    this.api.close();
  }

  private call(method: 'AddPath' | 'DeletePath', request: object): Promise<void> {
    return new Promise((resolve, reject) => {
      this.api[method](request, (error) => {
        if (error) reject(new GobgpError(`bgpLs.GobgpClient.${method}: gobgpd at ${this.address} said: ${error.details || error.message}`));
        else resolve();
      });
    });
  }
}

function lsFamily() {
  return { afi: AFI_LS, safi: SAFI_LS };
}
