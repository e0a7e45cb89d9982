import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useTestEnv } from './context.js';

const run = promisify(execFile);

/** Runs a tool; resolves its combined output and exit code (a non-zero exit is not a throw). */
async function output(file: string, args: string[]): Promise<{ code: number; text: string }> {
  try {
    const { stdout, stderr } = await run(file, args, { timeout: 30_000 });
    return { code: 0, text: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number | string; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw error;
    return { code: e.code, text: (e.stdout ?? '') + (e.stderr ?? '') };
  }
}

describe('gRPC tools installed by install.sh', () => {
  const { tools } = useTestEnv();

  it('grpcurl, ghz, grpc_health_probe and helm are the pinned Go builds and run', async () => {
    const versions = await run('go', ['version', '-m', tools.grpcurl, tools.ghz, tools.grpcHealthProbe, tools.helm]);
    expect(versions.stdout).toMatch(/\tmod\tgithub\.com\/fullstorydev\/grpcurl\tv1\.9\.4\b/);
    expect(versions.stdout).toMatch(/\tmod\tgithub\.com\/bojand\/ghz\tv0\.93\.0\b/);
    expect(versions.stdout).toMatch(/\tmod\tgithub\.com\/grpc-ecosystem\/grpc-health-probe\tv0\.4\.61\b/);
    expect(versions.stdout).toMatch(/\tmod\thelm\.sh\/helm\/v3\tv3\.22\.0\b/);
    // A `go install` build reports only major.minor (no ldflags): the exact version is the module's, above.
    expect((await output(tools.helm, ['version', '--short'])).text).toMatch(/^v3\.22\b/);
    expect((await output(tools.grpcurl, ['-version'])).text).toMatch(/grpcurl/);
    expect((await output(tools.ghz, ['--version'])).code).toBe(0);
    // No server on port 1: the probe must run and report it cannot connect (exit 2).
    const probe = await output(tools.grpcHealthProbe, ['-addr=127.0.0.1:1', '-connect-timeout=500ms']);
    expect(probe.code).toBe(2);
    expect(probe.text).toMatch(/failed to connect/);
  });

  it('the venv python imports grpc, grpc_tools and grpc_reflection', async () => {
    const script =
      'import grpc, grpc_tools, grpc_reflection.v1alpha.reflection as r; print(grpc.__version__, r.SERVICE_NAME)';
    const { stdout } = await run(tools.python, ['-c', script]);
    expect(stdout.trim()).toMatch(/^1\.85\.1 grpc\.reflection\.v1alpha\.ServerReflection$/);
  });
});
