/**
 * The engineer's own ExaBGP neighbor configuration, with pathmon's feed added: a `process` block that
 * runs the forwarder, and in every top-level `neighbor` block an extra named `api` block sending that
 * process the parsed updates, neighbor changes, notifications and keepalives (keepalives, so silence
 * past the hold time means ExaBGP is stuck, not that the fabric is quiet).
 *
 * The text is changed by insertion only, at positions found by a small scanner that knows ExaBGP's
 * syntax (words, `{ } ; [ ]`, quoted strings, `#` comments), so whatever else the engineer wrote reaches
 * ExaBGP untouched. An `api` block already in a neighbor is kept: ExaBGP 4.2 allows several named api
 * blocks per neighbor, and the engineer's own processes go on receiving what they asked for.
 */
import { TopologySourceError } from './errors.js';

export interface ExabgpNeighborInfo {
  peer: string;
  /** The neighbor's hold time in seconds (ExaBGP's default, 180, when not given). */
  holdTimeS: number;
  hasBgpLs: boolean;
  /** The engineer's own api block(s) in this neighbor, kept as they are. */
  userApiBlocks: number;
}

export interface ExabgpConfig {
  text: string;
  neighbors: ExabgpNeighborInfo[];
  /** Things the engineer should know (a neighbor without bgp-ls, an api block kept). */
  notes: string[];
}

export const EXABGP_DEFAULT_HOLD_TIME_S = 180;

interface Token {
  text: string;
  start: number;
  end: number;
}

function tokenize(text: string, spec: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (/\s/.test(c)) {
      i++;
    } else if ('{};[]'.includes(c)) {
      tokens.push({ text: c, start: i, end: i + 1 });
      i++;
    } else if (c === '"' || c === "'") {
      const close = text.indexOf(c, i + 1);
      if (close < 0) throw bad(spec, `unterminated ${c} quote at offset ${i}`);
      tokens.push({ text: text.slice(i, close + 1), start: i, end: close + 1 });
      i = close + 1;
    } else {
      const start = i;
      while (i < text.length && !/[\s{};[\]#]/.test(text[i]!)) i++;
      tokens.push({ text: text.slice(start, i), start, end: i });
    }
  }
  return tokens;
}

function bad(spec: string, what: string): TopologySourceError {
  return new TopologySourceError('bad-exabgp-config', `live.buildExabgpConfig: ${spec}: ${what}; expected an ExaBGP 4.2 configuration with neighbor { ... } blocks`, `exabgp:${spec}`);
}

interface Block {
  /** Words before the `{`: e.g. ['neighbor', '127.0.0.2'] or ['family']. */
  head: string[];
  open: number;
  close: number;
  children: Block[];
  /** Statements directly inside: each one's words. */
  statements: string[][];
}

function parseBlocks(tokens: Token[], spec: string): Block[] {
  const root: Block = { head: [], open: -1, close: -1, children: [], statements: [] };
  const stack: Block[] = [root];
  let words: string[] = [];
  let bracket = 0;
  for (const token of tokens) {
    const top = stack[stack.length - 1]!;
    if (token.text === '[') bracket++;
    if (token.text === ']') bracket--;
    if (bracket > 0 || token.text === ']') {
      words.push(token.text);
      continue;
    }
    if (token.text === '{') {
      const block: Block = { head: words, open: token.start, close: -1, children: [], statements: [] };
      top.children.push(block);
      stack.push(block);
      words = [];
    } else if (token.text === '}') {
      if (stack.length === 1) throw bad(spec, `unbalanced "}" at offset ${token.start}`);
      if (words.length > 0) top.statements.push(words);
      words = [];
      top.close = token.start;
      stack.pop();
    } else if (token.text === ';') {
      if (words.length > 0) top.statements.push(words);
      words = [];
    } else {
      words.push(token.text);
    }
  }
  if (stack.length > 1) throw bad(spec, `block "${stack[stack.length - 1]!.head.join(' ')}" is never closed`);
  return root.children;
}

/**
 * The configuration ExaBGP is started with.
 * @param forwarderRun the `run` command line of the forwarder (absolute paths, no spaces in them).
 * @throws TopologySourceError `bad-exabgp-config` for unbalanced braces, no neighbor, or no neighbor with bgp-ls.
 */
export function buildExabgpConfig(userText: string, spec: string, forwarderRun: string): ExabgpConfig {
  if (/[;{}\n#]/.test(forwarderRun)) throw bad(spec, `forwarder command ${JSON.stringify(forwarderRun)} contains configuration syntax`);
  const tokens = tokenize(userText, spec);
  const blocks = parseBlocks(tokens, spec);
  const usedProcessNames = new Set(blocks.filter((b) => b.head[0] === 'process').map((b) => b.head[1]));
  let processName = 'pathmon-feed';
  for (let n = 2; usedProcessNames.has(processName); n++) processName = `pathmon-feed-${n}`;

  const neighbors: ExabgpNeighborInfo[] = [];
  const notes: string[] = [];
  const insertions: { at: number; text: string }[] = [];
  for (const block of blocks) {
    if (block.head[0] !== 'neighbor') continue;
    const peer = block.head[1];
    if (peer === undefined) throw bad(spec, `a neighbor block at offset ${block.open} has no peer address`);
    const hold = block.statements.find((s) => s[0] === 'hold-time')?.[1];
    const holdTimeS = hold === undefined ? EXABGP_DEFAULT_HOLD_TIME_S : Number(hold);
    if (!Number.isInteger(holdTimeS) || holdTimeS < 0 || holdTimeS > 65535) throw bad(spec, `neighbor ${peer}: hold-time "${hold}" is not a whole number of seconds from 0 to 65535`);
    const hasBgpLs = block.children.some((child) => child.head[0] === 'family' && child.statements.some((s) => s[0] === 'bgp-ls' && (s[1] === 'bgp-ls' || s[1] === 'bgp-ls-vpn')));
    const userApiBlocks = block.children.filter((child) => child.head[0] === 'api').length;
    if (!hasBgpLs) notes.push(`neighbor ${peer} has no "family { bgp-ls bgp-ls; }": it gives pathmon no topology`);
    if (userApiBlocks > 0) notes.push(`neighbor ${peer}: kept your ${userApiBlocks} api block(s); pathmon adds its own "api ${processName}" beside them`);
    neighbors.push({ peer, holdTimeS, hasBgpLs, userApiBlocks });
    insertions.push({
      at: block.close,
      text: `\n    # added by pathmon: its topology feed\n    api ${processName} {\n        processes [ ${processName} ];\n        neighbor-changes;\n        receive { parsed; update; notification; keepalive; }\n    }\n`,
    });
  }
  if (neighbors.length === 0) throw bad(spec, 'no neighbor block found');
  if (!neighbors.some((n) => n.hasBgpLs)) throw bad(spec, `no neighbor has "family { bgp-ls bgp-ls; }" (neighbors: ${neighbors.map((n) => n.peer).join(', ')})`);

  let text = userText;
  for (const { at, text: insert } of insertions.sort((a, b) => b.at - a.at)) text = text.slice(0, at) + insert + text.slice(at);
  const header = `# added by pathmon: the process that forwards ExaBGP's JSON to pathmon\nprocess ${processName} {\n    run ${forwarderRun};\n    encoder json;\n}\n\n`;
  return { text: header + text, neighbors, notes };
}
