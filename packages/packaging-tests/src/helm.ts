/**
 * A thin runner for the helm binary install.sh builds (`tools().helm`): every
 * call resolves with exit code and output instead of throwing, so a test can
 * assert on a failure's message.
 */
import { execFile } from 'node:child_process';

/** Outcome of one helm run. */
export type HelmResult = { readonly code: number; readonly stdout: string; readonly stderr: string };

/** Runs `helm args…` (timeout 120 s by default). */
export function helm(binary: string, args: readonly string[], timeoutMs = 120_000): Promise<HelmResult> {
  return new Promise((resolve, reject) => {
    execFile(binary, [...args], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(error);
        return;
      }
      resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
    });
  });
}

/** Like {@link helm} but throws with the output when the exit code is not 0. */
export async function helmOk(binary: string, args: readonly string[], timeoutMs?: number): Promise<string> {
  const r = await helm(binary, args, timeoutMs);
  if (r.code !== 0) throw new Error(`helm ${args.join(' ')} exited ${r.code}:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}
