/**
 * Runs a service's compiled `main.js` as a real child process for tests and
 * benchmarks: free ports, the ports learned from its "serving" log line, and
 * an exit promise. `stop()` sends SIGTERM and falls back to SIGKILL.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Command-line arguments and the start timeout (default 20 s). */
export type ProcessOptions = { readonly args?: readonly string[]; readonly timeoutMs?: number };

/** A running service process. */
export type ServiceProcess = {
  readonly child: ChildProcess;
  readonly grpcPort: number;
  readonly httpPort: number;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** SIGTERM, then SIGKILL after `graceMs` (default 10 s); resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
};

/**
 * Spawns `node <mainJs>` with `env` (plus PATH, GRPC_PORT=0 and HTTP_PORT=0
 * unless given, and always LOG_LEVEL=info) and resolves once it logs that it is serving.
 * Rejects with its stderr when it exits first or does not serve within `timeoutMs`
 * (the process is then killed).
 */
export async function startServiceProcess(
  mainJs: string,
  env: Record<string, string>,
  opts: ProcessOptions = {},
): Promise<ServiceProcess> {
  if (!existsSync(mainJs)) throw new Error(`${mainJs} is missing: build first with \`npx tsc -b\``);
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const child = spawn(process.execPath, [mainJs, ...(opts.args ?? [])], {
    // LOG_LEVEL=info always: the "serving" line is how the ports are learned (requests log at debug).
    env: { PATH: process.env['PATH'] ?? '', GRPC_PORT: '0', HTTP_PORT: '0', ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ports = await new Promise<{ grpc: number; http: number }>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      // Never leave a process that did not come up behind.
      child.kill('SIGKILL');
      reject(new Error(`${mainJs} did not serve within ${timeoutMs} ms:\n${err}`));
    }, timeoutMs);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /"grpc":"[^"]*:(\d+)","http":"[^"]*:(\d+)"/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ grpc: Number(m[1]), http: Number(m[2]) });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${mainJs} exited with ${code} before serving:\n${err}`));
    });
  });
  return {
    child,
    grpcPort: ports.grpc,
    httpPort: ports.http,
    exited,
    stderr: () => err,
    stop: async (graceMs = 10_000) => {
      child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(kill);
      return code;
    },
  };
}

/** Runs `node <mainJs>` expecting it to refuse its config; resolves with exit code and stderr. */
export async function runServiceExpectingFailure(
  mainJs: string,
  env: Record<string, string>,
  opts: ProcessOptions = {},
): Promise<{ code: number | null; stderr: string }> {
  if (!existsSync(mainJs)) throw new Error(`${mainJs} is missing: build first with \`npx tsc -b\``);
  const child = spawn(process.execPath, [mainJs, ...(opts.args ?? [])], {
    env: { PATH: process.env['PATH'] ?? '', GRPC_PORT: '0', HTTP_PORT: '0', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  return { code, stderr };
}

/**
 * Starts `mainJs`, checks that grpc_health_probe reports SERVING (when the
 * process serves gRPC) and that /readyz answers 200, then sends SIGTERM and
 * checks for exit code 0. Throws on any deviation.
 */
export async function expectServingProcess(
  mainJs: string,
  env: Record<string, string>,
  grpcHealthProbe: string,
  opts: ProcessOptions = {},
): Promise<void> {
  const p = await startServiceProcess(mainJs, env, opts);
  let failure: unknown;
  try {
    if (p.grpcPort !== 0) {
      const out = await new Promise<string>((resolve) =>
        execFile(grpcHealthProbe, ['-addr', `127.0.0.1:${p.grpcPort}`], (_e, stdout, stderr) =>
          resolve(stdout + stderr),
        ),
      );
      if (!out.includes('status: SERVING')) throw new Error(`grpc_health_probe did not report SERVING: ${out}`);
    }
    const ready = await fetch(`http://127.0.0.1:${p.httpPort}/readyz`);
    if (ready.status !== 200) throw new Error(`/readyz answered ${ready.status}: ${await ready.text()}`);
  } catch (e) {
    failure = e;
  }
  const code = await p.stop();
  if (failure !== undefined) throw failure;
  if (code !== 0) throw new Error(`${mainJs} exited with ${code} after SIGTERM:\n${p.stderr()}`);
}
