// Our parameter names → the references' state-dict names. Our supernet edges apply ReLU once to
// the edge input and build their ops without the leading ReLU the references' ops start with, so
// inside an op's `op` Sequential our index n is the reference's n + 1; everything else keeps the
// reference's name (pools are Sequential(pool, BN) in both, FactorizedReduce's ReLU is an Identity
// in ours but holds no parameters).

/** quark0/darts and PC-DARTS: cells.<i>._ops.<edge>._ops.<op>.op.<n> is ours at n − 1. */
export function dartsReferenceName(ours: string): string {
  return ours.replace(/^(cells\.\d+\._ops\.\d+\._ops\.\d+\.op\.)(\d+)\./, (_, head: string, n: string) => `${head}${Number(n) + 1}.`);
}

/** NAS-Bench-201 edge keys in α-row order (AutoDL sorts "i<-j" strings; for 4 nodes that is this order). */
export function nb201EdgeKeys(maxNodes = 4): string[] {
  const keys: string[] = [];
  for (let i = 1; i < maxNodes; i++) for (let j = 0; j < i; j++) keys.push(`${i}<-${j}`);
  return keys;
}

/**
 * AutoDL-Projects TinyNetworkGDAS/TinyNetworkDarts: cells.<c>.edges.<i<-j>.<op>.op.<n> holds our
 * cells.<c>.edges.<e>._ops.<op>.op.<n − 1>; ResNet blocks, stem, lastact and classifier keep their names.
 */
export function nb201ReferenceName(ours: string): string {
  const keys = nb201EdgeKeys();
  return ours.replace(/^(cells\.\d+\.)edges\.(\d+)\._ops\.(\d+)\.(.*)$/, (_, head: string, e: string, op: string, rest: string) => {
    const inner = rest.replace(/^op\.(\d+)\./, (_m: string, n: string) => `op.${Number(n) + 1}.`);
    return `${head}edges.${keys[Number(e)]}.${op}.${inner}`;
  });
}
