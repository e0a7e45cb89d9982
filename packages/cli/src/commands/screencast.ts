/** `nightglow screencast SESSION`: save a session's live-view JPEG frames (StreamScreencast) to a folder. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { JsonValue } from '@bufbuild/protobuf';
import type { Command } from 'commander';
import type { CliRuntime } from '../program.js';
import { formatTime } from '../format/time.js';
import { durationArg, intInRange, positiveIntArg } from '../parse.js';
import { streamFor } from './stream-support.js';

type Options = {
  dir?: string;
  maxFps?: number;
  quality?: number;
  maxWidth?: number;
  maxHeight?: number;
  frames?: number;
  duration?: number;
  target?: string;
};

/** `frame-000042.jpg` */
export function frameFileName(sequence: bigint | number): string {
  return `frame-${String(sequence).padStart(6, '0')}.jpg`;
}

/** Registers `screencast`. */
export function registerScreencast(program: Command, runtime: CliRuntime): void {
  program
    .command('screencast')
    .description("save JPEG frames of a session's page until Ctrl-C, --frames or --duration")
    .argument('<session-id>')
    .option('--dir <dir>', 'folder for the frames (default ./nightglow-screencast/<session id>)')
    .option('--max-fps <n>', 'at most this many frames per second (1..30, default 5)', intInRange(1, 30))
    .option('--quality <n>', 'JPEG quality (1..100, default 60)', intInRange(1, 100))
    .option('--max-width <px>', 'scale frames down to this width', positiveIntArg)
    .option('--max-height <px>', 'scale frames down to this height', positiveIntArg)
    .option('--target <id>', 'CDP target id of the page (default: the most recently active page)')
    .option('--frames <n>', 'stop after this many frames', positiveIntArg)
    .option('--duration <duration>', 'stop after this long, e.g. 10s', durationArg)
    .action(async (sessionId: string, o: Options, cmd: Command) => {
      const ctx = runtime.context(cmd);
      const dir = resolve(ctx.io.cwd, o.dir ?? join('nightglow-screencast', sessionId));
      await mkdir(dir, { recursive: true });
      const saved: { sequence: string; path: string; time: string; url: string }[] = [];
      const live = ctx.format === 'table' && ctx.io.stdout.isTTY === true;
      await streamFor(
        ctx,
        { limit: o.frames, for: o.duration },
        (signal) =>
          ctx.clients().broker.streamScreencast(
            {
              sessionId,
              targetId: o.target ?? '',
              maxFps: o.maxFps ?? 0,
              quality: o.quality ?? 0,
              maxWidth: o.maxWidth ?? 0,
              maxHeight: o.maxHeight ?? 0,
            },
            { signal },
          ),
        async (frame) => {
          const path = join(dir, frameFileName(frame.sequence));
          await writeFile(path, frame.data);
          saved.push({
            sequence: String(frame.sequence),
            path,
            time: formatTime(frame.time),
            url: frame.page?.url ?? '',
          });
          if (live) ctx.print(`\r\x1b[2K${saved.length} frames  ${frame.page?.url ?? ''}`);
        },
      );
      if (live) ctx.print('\r\x1b[2K');
      const data: JsonValue = { sessionId, dir, frames: saved };
      ctx.emitData(data, () => `saved ${saved.length} frame${saved.length === 1 ? '' : 's'} to ${dir}\n`);
    });
}
