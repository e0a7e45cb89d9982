import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerfileProblems, parseDockerfile } from './dockerfile.js';
import { REPO_ROOT } from './repo.js';
import { readYamlFile } from './schemas.js';

const services = readdirSync(join(REPO_ROOT, 'services')).filter((s) =>
  existsSync(join(REPO_ROOT, 'services', s, 'package.json')),
);
const dockerfiles = [...services.map((s) => `services/${s}/Dockerfile`), 'images/browser/Dockerfile'];
const read = (rel: string): string => readFileSync(join(REPO_ROOT, rel), 'utf8');

describe('Dockerfiles (checked as text: no Docker engine here)', () => {
  it.each(dockerfiles)('%s: pinned bases, non-root user, health check, no baked secrets', (rel) => {
    expect(existsSync(join(REPO_ROOT, rel)), `${rel} is missing`).toBe(true);
    expect(dockerfileProblems(read(rel))).toEqual([]);
  });

  it.each(services)('services/%s: multi-stage, production deps of its workspace only, NODE_ENV=production', (s) => {
    const ins = parseDockerfile(read(`services/${s}/Dockerfile`));
    const froms = ins.filter((i) => i.keyword === 'FROM');
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const f of froms) expect(f.args).toMatch(/^node:20-bookworm-slim\b/);
    const runs = ins.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    expect(
      runs.some((r) => /npm ci\b.*--omit=dev\b.*--workspace services\/[\w-]+/.test(r) && r.includes(`services/${s}`)),
    ).toBe(true);
    const final = ins.slice(ins.lastIndexOf(froms.at(-1) as never));
    expect(final.some((i) => i.keyword === 'ENV' && /\bNODE_ENV=production\b/.test(i.args))).toBe(true);
    expect(final.some((i) => i.keyword === 'COPY' && /--from=/.test(i.args))).toBe(true);
    expect(final.find((i) => i.keyword === 'ENTRYPOINT')?.args).toContain(`services/${s}/dist/main.js`);
  });

  it("the record store's image runs it with the V8 flags its source names (RECORD_STORE_NODE_OPTIONS)", () => {
    const flags = /RECORD_STORE_NODE_OPTIONS = '([^']+)'/.exec(read('services/record-store/src/node-options.ts'))?.[1];
    expect(flags, 'services/record-store/src/node-options.ts names the flags').toMatch(/^--/);
    const envs = parseDockerfile(read('services/record-store/Dockerfile')).filter((i) => i.keyword === 'ENV');
    expect(envs.map((i) => i.args)).toContain(`NODE_OPTIONS=${flags}`);
  });

  it('the browser image is Debian Chromium with fonts, CDP on loopback only', () => {
    const text = read('images/browser/Dockerfile');
    expect(text).toMatch(/^FROM debian:bookworm/m);
    expect(text).toMatch(/install[^\n]*\bchromium\b/);
    expect(text).toMatch(/fonts-liberation/);
    expect(text).toMatch(/--remote-debugging-address=127\.0\.0\.1/);
  });

  it('the checker catches each broken rule', () => {
    const bad = 'FROM node:latest\nFROM debian\nENV API_TOKEN=abc123\nUSER root\n';
    const problems = dockerfileProblems(bad);
    expect(problems).toEqual([
      'line 1: FROM node:latest uses the latest tag',
      'line 2: FROM debian is not pinned by a tag',
      'the final stage does not switch to a non-root USER',
      'the final stage has no HEALTHCHECK',
      'line 3: ENV API_TOKEN bakes a secret-looking value into the image',
    ]);
    expect(dockerfileProblems('FROM a:1 AS b\nFROM b\nUSER 10001\nHEALTHCHECK CMD true\n')).toEqual([]);
  });
});

describe('every image compose and skaffold build has a Dockerfile', () => {
  it('docker-compose.yml: each build context holds its Dockerfile; built images are the project images', () => {
    const compose = readYamlFile(join(REPO_ROOT, 'docker-compose.yml')) as {
      services: Record<string, { image?: string; build?: { context: string; dockerfile?: string } }>;
    };
    const built = Object.entries(compose.services).filter(([, s]) => s.build !== undefined);
    expect(built.map(([n]) => n).sort()).toEqual(['browser', ...services].sort());
    for (const [name, s] of built) {
      const file = join(REPO_ROOT, s.build?.context ?? '.', s.build?.dockerfile ?? 'Dockerfile');
      expect(existsSync(file), `${name}: ${file} is missing`).toBe(true);
      expect(s.image, name).toMatch(/^nightglow\//);
    }
  });

  it('skaffold.yaml: one artifact per service and the browser, each with its Dockerfile', () => {
    const skaffold = readYamlFile(join(REPO_ROOT, 'skaffold.yaml')) as {
      build: { artifacts: { image: string; context: string; docker: { dockerfile: string } }[] };
    };
    const images = skaffold.build.artifacts.map((a) => a.image).sort();
    expect(images).toEqual(['nightglow/browser', ...services.map((s) => `nightglow/${s}`)].sort());
    for (const a of skaffold.build.artifacts) {
      expect(existsSync(join(REPO_ROOT, a.context, a.docker.dockerfile)), a.image).toBe(true);
    }
  });
});
