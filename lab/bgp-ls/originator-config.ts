/**
 * What `lab up --bgp-ls` tells the originator process, through a file in the lab's state directory
 * (so a restarted originator, or a person debugging it, reads the same thing), and where it is.
 */
import { join } from 'node:path';

export interface OriginatorConfig {
  vtySocket: string;
  grpcAddress: string;
  nextHop: string;
  asn: number;
  /** OSPF router id to node name. */
  names: Record<string, string>;
  expectedNodes: number;
  expectedLinks: number;
  pollMs: number;
}

/** The name of the originator's file in the lab's ready/ directory. */
export const ORIGINATOR_READY = 'bgp-ls';
export const originatorConfigPath = (dir: string): string => join(dir, 'bgp-ls', 'originator.json');
