/** The AutomationTask controller: its reconciler; a BrowserSession turning Ready wakes the tasks waiting for it through their own poll. */
import type { ControllerSpec } from '../manager/controller-set.js';
import { RESOURCES } from '../kube/resources.js';
import { createTaskReconciler, type TaskReconcilerDeps } from './task-reconciler.js';

/** The controller spec: reconciles AutomationTasks (and writes TaskRecords). */
export function taskControllerSpec(deps: TaskReconcilerDeps, workers?: number): ControllerSpec {
  return {
    name: 'automationtask',
    primary: RESOURCES.automationTask,
    reconcile: createTaskReconciler(deps),
    ...(workers ? { workers } : {}),
  };
}
