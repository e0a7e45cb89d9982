/**
 * `npm run bench -- NAME [NAME…]`: runs the named benchmarks (all when none is
 * named), each printing a table and writing bench/results/NAME.json. Exits 1
 * when a target was missed, 2 on an unknown name.
 */
import { allinoneBench } from './allinone.js';
import { brokerBench, brokerRoundTripBench } from './broker.js';
import { executorBench } from './executor.js';
import { grpcServing } from './grpc-serving.js';
import { recordStoreBench } from './record-store.js';
import { sidecarCdpFloorBench } from './sidecar-cdp-floor.js';
import { sidecarPublisherBench } from './sidecar-publisher.js';
import { sidecarBench } from './sidecar.js';

const benchmarks: Record<string, () => Promise<boolean>> = {
  allinone: () => allinoneBench(),
  broker: () => brokerBench(),
  'broker-roundtrip': () => brokerRoundTripBench(),
  executor: () => executorBench(),
  'grpc-serving': () => grpcServing(),
  'record-store': () => recordStoreBench(),
  sidecar: () => sidecarBench(),
  'sidecar-publisher': () => sidecarPublisherBench(),
  'sidecar-page-load': () => sidecarBench({ only: 'page-load' }),
  'sidecar-cdp-floor': () => sidecarCdpFloorBench(),
};

const names = process.argv.slice(2);
const unknown = names.filter((n) => !(n in benchmarks));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(benchmarks).join(', ')}`);
  process.exit(2);
}
let allMet = true;
for (const name of names.length > 0 ? names : Object.keys(benchmarks)) {
  console.log(`\n## ${name}`);
  const bench = benchmarks[name];
  if (bench && !(await bench())) allMet = false;
}
process.exit(allMet ? 0 : 1);
