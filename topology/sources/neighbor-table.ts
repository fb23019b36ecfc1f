/**
 * The NANOG 76 hackathon's neighbor table (`Rtr_id neighbor_add Rtr_id interface_Add`) to topology
 * events. The column names mislead: the reverse row of every link swaps the pairs, which shows that
 * column 2 is the address of the router in column 1 and column 4 the address of the router in column 3,
 * the two ends of one /31 (seed-hackathon/README.md). So a row is the link seen from the column-3
 * router: from column 3 (local address column 4) to column 1 (neighbor address column 2). Getting this
 * backwards would address every probe leg to the sender's own interface, so each row is also checked to
 * be one /31 with two different routers.
 *
 * Unlike the live ExaBGP feed, a table is a file someone wrote: the first bad row throws, naming the
 * line, so it is fixed rather than half-loaded.
 */
import { TopologyError } from '../errors.js';
import { linkKey, type TopologyEvent } from '../model.js';
import { networkOf, parseIpv4 } from './ipv4.js';
import { normaliseRouterId } from './router-id.js';

const COLUMNS = ['Rtr_id', 'neighbor_add', 'Rtr_id', 'interface_Add'] as const;
const HEADER = /^\s*Rtr_id\s+neighbor_add\s+Rtr_id\s+interface_add\s*$/i;
const PREFIX_LENGTH = 31;

/** Fields of one row. Tab-separated rows keep empty fields (so an empty router id is reported as such); others split on runs of spaces. */
export function splitNeighborRow(line: string): string[] {
  return line.includes('\t')
    ? line
        .trimEnd()
        .split('\t')
        .map((f) => f.trim())
    : line.trim().split(/ +/);
}

/** True when the line is the table's header row. */
export function isNeighborTableHeader(line: string): boolean {
  return HEADER.test(line);
}

/**
 * Parses a neighbor table: node-up for every router (in order of first appearance), then one link-up
 * per row. Blank lines and `#` comments are skipped; the header row is optional.
 * @throws TopologyError `malformed-input`, `where` = `<source>:<line>`, on the first bad row.
 */
export function parseNeighborTable(text: string, source = 'neighbor-table'): TopologyEvent[] {
  const routers = new Set<string>();
  const links: TopologyEvent[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, index) => {
    const lineNumber = index + 1;
    const line = raw.replace(/#.*$/, '');
    if (line.trim() === '' || isNeighborTableHeader(line)) return;
    const fail = (what: string, expected: string): never => {
      throw new TopologyError('malformed-input', `topology.parseNeighborTable: line ${lineNumber}: ${what}; expected ${expected}`, `${source}:${lineNumber}`);
    };
    const fields = splitNeighborRow(line);
    if (fields.length !== COLUMNS.length) {
      fail(`${fields.length} fields in ${JSON.stringify(raw.trim().slice(0, 80))}`, `4 fields: ${COLUMNS.join(' ')}`);
    }
    const [farRaw, farAddress, nearRaw, nearAddress] = fields as [string, string, string, string];
    const routerId = (value: string, column: number): string => {
      if (value === '') return fail(`empty ${COLUMNS[column - 1]} (column ${column})`, 'an IS-IS system id like 000010000001');
      return normaliseRouterId(value) ?? fail(`bad ${COLUMNS[column - 1]} (column ${column}) ${JSON.stringify(value)}`, 'an IS-IS system id like 000010000001 or a router id');
    };
    const address = (value: string, column: number): number =>
      parseIpv4(value) ?? fail(`bad IPv4 ${COLUMNS[column - 1]} (column ${column}) ${JSON.stringify(value)}`, 'a dotted IPv4 address like 10.1.1.5');
    const far = routerId(farRaw, 1);
    const near = routerId(nearRaw, 3);
    const farValue = address(farAddress, 2);
    const nearValue = address(nearAddress, 4);
    if (far === near) fail(`router ${far} is its own neighbor`, 'two different routers in columns 1 and 3');
    if (farValue === nearValue || networkOf(farValue, PREFIX_LENGTH) !== networkOf(nearValue, PREFIX_LENGTH)) {
      fail(`addresses ${farAddress} and ${nearAddress} are not the two ends of one /31`, 'columns 2 and 4 to share one /31');
    }
    routers.add(far).add(near);
    links.push({
      kind: 'link-up',
      link: {
        key: linkKey(near, far, nearAddress, farAddress),
        from: near,
        to: far,
        localAddress: nearAddress,
        neighborAddress: farAddress,
        prefixLength: PREFIX_LENGTH,
      },
    });
  });
  const nodes: TopologyEvent[] = [...routers].map((id) => ({
    kind: 'node-up',
    node: { id, name: id, kind: 'router', routerId: id },
  }));
  return [...nodes, ...links];
}
