/** Task and buildroot state numbers (protocol §3). */
export const TASK_STATE = { FREE: 0, OPEN: 1, CLOSED: 2, CANCELED: 3, ASSIGNED: 4, FAILED: 5 } as const;
export const BUILDROOT_STATE = { INIT: 0, WAITING: 1, BUILDING: 2, EXPIRED: 3 } as const;

const TASK_STATE_NAMES = Object.fromEntries(Object.entries(TASK_STATE).map(([name, n]) => [n, name]));

export function taskStateName(state: number): string {
  return TASK_STATE_NAMES[state] ?? `state ${state}`;
}
