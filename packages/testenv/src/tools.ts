import { testenvPaths, requireFile } from './paths.js';

/** Paths of the command-line tools install.sh puts in the cache. */
export interface TestTools {
  /** grpcurl (its `-version` prints `dev`: read versions with `go version -m`). */
  readonly grpcurl: string;
  /** ghz, the gRPC load generator. */
  readonly ghz: string;
  readonly grpcHealthProbe: string;
  /** helm v3 (the chart tests: lint, template, install against the test apiserver). */
  readonly helm: string;
  /** A python with grpcio, grpcio-tools and grpcio-reflection importable. */
  readonly python: string;
  /** Debian's Chromium launcher, for tests that launch their own browser. */
  readonly chromium: string;
}

/**
 * Resolves the tool paths and checks that each exists, failing with
 * "<tool> not found at <path>: run `bash scripts/testenv/install.sh`" otherwise.
 */
export function tools(env: NodeJS.ProcessEnv = process.env): TestTools {
  const paths = testenvPaths(env);
  return {
    grpcurl: requireFile('grpcurl', paths.grpcurl),
    ghz: requireFile('ghz', paths.ghz),
    grpcHealthProbe: requireFile('grpc_health_probe', paths.grpcHealthProbe),
    helm: requireFile('helm', paths.helm),
    python: requireFile('python (py-grpc-venv)', paths.python),
    chromium: requireFile('chromium', paths.chromium),
  };
}
