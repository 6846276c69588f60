/** Koji's state numbers (koji/__init__.py). */
export const TASK_STATES = { FREE: 0, OPEN: 1, CLOSED: 2, CANCELED: 3, ASSIGNED: 4, FAILED: 5 } as const;
export const TASK_STATE_NAMES = ['FREE', 'OPEN', 'CLOSED', 'CANCELED', 'ASSIGNED', 'FAILED'] as const;
export const BR_STATES = { INIT: 0, WAITING: 1, BUILDING: 2, EXPIRED: 3 } as const;
export const BR_STATE_NAMES = ['INIT', 'WAITING', 'BUILDING', 'EXPIRED'] as const;
export const REPO_STATES = { INIT: 0, READY: 1, EXPIRED: 2, DELETED: 3, PROBLEM: 4 } as const;
export const REPO_STATE_NAMES = ['INIT', 'READY', 'EXPIRED', 'DELETED', 'PROBLEM'] as const;
export const BUILD_STATES = { BUILDING: 0, COMPLETE: 1, DELETED: 2, FAILED: 3, CANCELED: 4 } as const;
export const BUILD_STATE_NAMES = ['BUILDING', 'COMPLETE', 'DELETED', 'FAILED', 'CANCELED'] as const;
export const PRIO_DEFAULT = 20;

export function isFinishedTaskState(state: number): boolean {
  return state === TASK_STATES.CLOSED || state === TASK_STATES.CANCELED || state === TASK_STATES.FAILED;
}
