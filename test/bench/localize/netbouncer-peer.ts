/**
 * A NetBouncer-style loss localizer, written from the paper's description (Tan et al., "NetBouncer:
 * Active Device and Link Failure Localization in Data Center Networks", NSDI'19, §5): each probed
 * route's success ratio y_w, each link's success probability x_l, and
 *
 *     minimise  Σ_w (y_w − Π_{l∈w} x_l)²  +  λ Σ_l x_l (1 − x_l),   0 ≤ x_l ≤ 1,
 *
 * by coordinate descent: x_l starts at the mean success ratio of the routes through it, then each link in
 * turn takes the value minimising the objective with the others fixed (closed form: the objective is
 * quadratic in x_l; where λ makes it concave the better end of [0, 1] is taken), sweeping until nothing
 * moves. Links whose x_l ends below a threshold are bad. The paper's routes cross a link at most once;
 * where a walk crosses one twice, x_l^2 is linearised as x_l · x_l(current), which keeps the update
 * closed-form. λ and the threshold are the peer's knobs: the benchmark calibrates them on rounds of its
 * own (a different seed) and uses the best pair, so the peer is compared at its best.
 */
export interface PeerInput {
  linkCount: number;
  /** Link index per crossing, per route. */
  routes: Int32Array[];
  sent: Int32Array;
  received: Int32Array;
}

export interface NetBouncerOptions {
  lambda: number;
  /** Links with a success probability below this are bad. */
  threshold: number;
  maxSweeps?: number;
}

/** Per link: the estimated success probability. */
export function netBouncerSuccess(input: PeerInput, options: Pick<NetBouncerOptions, 'lambda' | 'maxSweeps'>): Float64Array {
  const { linkCount, routes, sent, received } = input;
  const y = Float64Array.from(routes, (_, w) => (sent[w]! === 0 ? 1 : received[w]! / sent[w]!));
  // Routes per link (with multiplicity), as CSC.
  const start = new Int32Array(linkCount + 1);
  for (const route of routes) for (const l of route) start[l + 1]!++;
  for (let l = 0; l < linkCount; l++) start[l + 1]! += start[l]!;
  const fill = start.slice(0, linkCount);
  const routeOf = new Int32Array(start[linkCount]!);
  routes.forEach((route, w) => {
    for (const l of route) routeOf[fill[l]!++] = w;
  });
  const x = new Float64Array(linkCount).fill(1);
  for (let l = 0; l < linkCount; l++) {
    let sum = 0;
    for (let e = start[l]!; e < start[l + 1]!; e++) sum += y[routeOf[e]!]!;
    if (start[l + 1]! > start[l]!) x[l] = sum / (start[l + 1]! - start[l]!);
  }
  const product = Float64Array.from(routes, (route) => route.reduce((p, l) => p * x[l]!, 1));
  const { lambda } = options;
  const maxSweeps = options.maxSweeps ?? 200;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let largest = 0;
    for (let l = 0; l < linkCount; l++) {
      if (start[l + 1] === start[l]) continue;
      const current = x[l]!;
      // P_w: what the route's product is without (one factor of) x_l.
      let sumYP = 0;
      let sumPP = 0;
      for (let e = start[l]!; e < start[l + 1]!; e++) {
        const w = routeOf[e]!;
        const p = current > 0 ? product[w]! / current : others(routes[w]!, x, l);
        sumYP += y[w]! * p;
        sumPP += p * p;
      }
      const objective = (v: number) => sumPP * v * v - 2 * sumYP * v + lambda * v * (1 - v);
      let next: number;
      if (sumPP - lambda > 1e-12) next = Math.min(1, Math.max(0, (sumYP - lambda / 2) / (sumPP - lambda)));
      else next = objective(0) <= objective(1) ? 0 : 1;
      if (next === current) continue;
      largest = Math.max(largest, Math.abs(next - current));
      x[l] = next;
      for (let e = start[l]!; e < start[l + 1]!; e++) {
        const w = routeOf[e]!;
        product[w] = current > 0 ? (product[w]! / current) * next : routes[w]!.reduce((p, k) => p * x[k]!, 1);
      }
    }
    if (largest < 1e-7) break;
  }
  return x;
}

export function netBouncerBad(input: PeerInput, options: NetBouncerOptions): Set<number> {
  const x = netBouncerSuccess(input, options);
  const bad = new Set<number>();
  for (let l = 0; l < x.length; l++) if (x[l]! < options.threshold) bad.add(l);
  return bad;
}

function others(route: Int32Array, x: Float64Array, skip: number): number {
  let p = 1;
  let skipped = false;
  for (const l of route) {
    if (l === skip && !skipped) {
      skipped = true;
      continue;
    }
    p *= x[l]!;
  }
  return p;
}
