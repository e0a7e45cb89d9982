#!/usr/bin/env node
import { spawn } from 'node:child_process';
import { installScript } from './paths.js';
import { envExports, startTestEnv } from './test-env.js';

const USAGE = `usage: node packages/testenv/dist/cli.js <command>
  install   install or check everything (runs scripts/testenv/install.sh)
  up        start Redis, PostgreSQL, Kafka and kube-apiserver; print their
            addresses as export lines and one JSON line; stop all on SIGINT/SIGTERM`;

/** Runs install.sh with our stdio; resolves its exit code. */
function install(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [installScript()], { stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal === null ? 1 : 128)));
  });
}

/** Starts everything and holds it until a signal; resolves the exit code. */
async function up(): Promise<number> {
  const running = await startTestEnv();
  for (const line of envExports(running.env)) console.log(line);
  console.log(JSON.stringify({ ...running.env, startupSeconds: running.startupSeconds }));
  console.error('[testenv] up; Ctrl-C (SIGINT) or SIGTERM stops everything');
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  console.error(`[testenv] ${signal}: stopping`);
  await running.stop();
  console.error('[testenv] stopped');
  return 0;
}

async function main(argv: readonly string[]): Promise<number> {
  switch (argv[0]) {
    case 'install':
      return install();
    case 'up':
      return up();
    default:
      console.error(USAGE);
      return argv[0] === undefined || argv[0] === 'help' || argv[0] === '--help' ? 0 : 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
