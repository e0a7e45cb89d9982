/**
 * Dockerfiles checked as text (there is no Docker engine here): instructions
 * are parsed with their line continuations joined, then held to the house
 * rules. Each problem names the file's rule it breaks.
 */

/** One instruction: keyword (upper case) and its arguments. */
export type Instruction = { readonly keyword: string; readonly args: string; readonly line: number };

/** Parses a Dockerfile into instructions (comments and blank lines dropped, `\` continuations joined). */
export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = '';
  let start = 0;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) return;
    if (pending === '') start = index + 1;
    if (line.startsWith('#')) return;
    if (line.endsWith('\\')) {
      pending += line.slice(0, -1) + ' ';
      return;
    }
    const full = (pending + line).trim();
    pending = '';
    const m = /^(\S+)\s*(.*)$/s.exec(full);
    if (m) out.push({ keyword: (m[1] ?? '').toUpperCase(), args: m[2] ?? '', line: start });
  });
  return out;
}

const SECRET_NAME = /(KEY|SECRET|PASSWORD|TOKEN|PASSWD|CREDENTIAL)/i;

/**
 * The rules every image follows; returns the broken ones (empty = fine):
 * every FROM pinned by a tag other than `latest` (or a digest; a stage name
 * counts), a final non-root USER, a HEALTHCHECK, and no ENV/ARG that sets
 * a secret-looking name to a value.
 */
export function dockerfileProblems(text: string): string[] {
  const ins = parseDockerfile(text);
  const problems: string[] = [];
  const stages = new Set<string>();
  for (const i of ins.filter((x) => x.keyword === 'FROM')) {
    const [image = '', as, name] = i.args.replace(/--platform=\S+\s+/, '').split(/\s+/);
    if (as?.toUpperCase() === 'AS' && name) stages.add(name.toLowerCase());
    if (stages.has(image.toLowerCase()) && !/[:@]/.test(image)) continue;
    const tag = /@sha256:[0-9a-f]{64}$/.test(image) ? 'digest' : /:([^/:]+)$/.exec(image)?.[1];
    if (tag === undefined) problems.push(`line ${i.line}: FROM ${image} is not pinned by a tag`);
    else if (tag === 'latest') problems.push(`line ${i.line}: FROM ${image} uses the latest tag`);
  }
  const users = ins.filter((x) => x.keyword === 'USER');
  const lastUser = users.at(-1)?.args.trim().split(':')[0];
  const lastFrom = ins.map((x) => x.keyword).lastIndexOf('FROM');
  const finalUsers = ins.slice(lastFrom).filter((x) => x.keyword === 'USER');
  if (finalUsers.length === 0 || lastUser === undefined || ['root', '0'].includes(lastUser))
    problems.push('the final stage does not switch to a non-root USER');
  if (!ins.slice(lastFrom).some((x) => x.keyword === 'HEALTHCHECK' && !/^NONE\b/i.test(x.args)))
    problems.push('the final stage has no HEALTHCHECK');
  for (const i of ins.filter((x) => x.keyword === 'ENV' || x.keyword === 'ARG')) {
    for (const m of i.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)(?:=|\s+)("[^"]*"|\S+)?/g)) {
      const [, name = '', value] = m;
      if (SECRET_NAME.test(name) && value !== undefined && value !== '""')
        problems.push(`line ${i.line}: ${i.keyword} ${name} bakes a secret-looking value into the image`);
    }
  }
  return problems;
}
