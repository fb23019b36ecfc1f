/**
 * One spelling per router id. A node's id must be the same string whether it arrives in a BGP-LS node
 * NLRI, as a link's local or remote descriptor, or in a neighbor table, and IS-IS system ids have two
 * common spellings (`000010000001` from ExaBGP, `0000.1000.0001` from router CLIs) and two cases.
 * Every source runs router ids through here so those spellings meet in one node.
 */

const ISIS_PLAIN = /^[0-9a-fA-F]{12}$/;
const ISIS_DOTTED = /^[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}$/;
// Ids go into link keys (joined with '|') and log lines, so whitespace and '|' are refused outright.
const OTHER_TOKEN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;

/**
 * The canonical form of a router id: IS-IS system ids as 12 lower-case hex digits, anything else
 * (OSPF dotted ids, names) unchanged. Undefined when the text is empty or not a plausible id.
 */
export function normaliseRouterId(text: string): string | undefined {
  const id = text.trim();
  if (ISIS_PLAIN.test(id)) return id.toLowerCase();
  if (ISIS_DOTTED.test(id)) return id.replaceAll('.', '').toLowerCase();
  // `constructor`, `toString`, ... would break the graph library's adjacency objects (see graph.ts).
  return OTHER_TOKEN.test(id) && !(id in Object.prototype) ? id : undefined;
}
