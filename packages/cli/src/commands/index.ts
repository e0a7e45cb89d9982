/**
 * Every command module of the program, one registrar each: add a command by
 * adding its registrar here (one line). A registrar receives the program and
 * may ignore the runtime.
 */
import type { Command } from 'commander';
import type { CliRuntime } from '../program.js';
import { registerAlerts } from './alerts.js';
import { registerEvents } from './events.js';
import { registerRecords } from './records.js';
import { registerScreencast } from './screencast.js';
import { registerSession } from './session.js';
import { registerTask } from './task.js';
import { registerTemplate } from './template.js';
import { registerUp } from './up.js';

/** Adds one command (with its subcommands) to the program. */
export type CommandRegistrar = (program: Command, runtime: CliRuntime) => void;

/** The commands, in help order. */
export const COMMANDS: readonly CommandRegistrar[] = [
  registerUp,
  registerSession,
  registerTask,
  registerTemplate,
  registerRecords,
  registerEvents,
  registerAlerts,
  registerScreencast,
];
