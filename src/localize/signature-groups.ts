/**
 * Link groups found from the data itself: directed links that every route in the observations crosses
 * together (the same set of route ids) cannot be told apart by any estimator, so they become one
 * subject instead of an arbitrary pick between them. `pathmon localize` uses this where no cover plan
 * says which groups exist: an observations file from another tool, or stored history.
 */
import { hash } from 'node:crypto';

export interface SignatureGroup {
  /** `g` + a digest of the sorted member keys, as the cover planner names its groups. */
  id: string;
  linkKeys: string[];
}

export function signatureGroups(observations: Iterable<{ id: string; links: readonly string[] }>): SignatureGroup[] {
  const routesOf = new Map<string, Set<string>>();
  for (const { id, links } of observations) {
    for (const key of links) {
      let routes = routesOf.get(key);
      if (!routes) routesOf.set(key, (routes = new Set()));
      routes.add(id);
    }
  }
  const bySignature = new Map<string, string[]>();
  for (const [key, routes] of routesOf) {
    const signature = [...routes].sort().join('\n');
    const members = bySignature.get(signature);
    if (members) members.push(key);
    else bySignature.set(signature, [key]);
  }
  return [...bySignature.values()]
    .filter((members) => members.length > 1)
    .map((members) => {
      const linkKeys = members.sort();
      return { id: `g${hash('sha256', linkKeys.join('\n'), 'hex').slice(0, 11)}`, linkKeys };
    })
    .sort((a, b) => a.id.localeCompare(b.id));
}
