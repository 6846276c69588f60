import {
  ContainerError,
  ExecInterruptedError,
  PodmanUnavailableError,
  UnsafeArchiveEntryError,
} from '@koji-farm/container';
import {
  ActionNotAllowed,
  AuthError,
  GenericError,
  HubConnectionError,
  LocalFileError,
  RetryError,
  ServerOffline,
} from '@koji-farm/koji';
import { LeaseLostError } from './errors/lease-lost.error';
import { TaskCanceledError } from './errors/task-canceled.error';
import { buildError } from './errors/task-failure.error';
import { TaskTimeoutError } from './errors/task-timeout.error';
import { outcomeOf } from './task-outcome';

const live = new AbortController().signal;

describe(outcomeOf.name, () => {
  it('sends a task failure to the hub with its fault code', () => {
    expect(outcomeOf(buildError('error building package'), live)).toEqual({
      kind: 'failed',
      faultCode: 1005,
      faultName: 'BuildError',
      message: 'error building package',
    });
  });

  it('lets the abort reason win over what the aborted step threw', () => {
    const controller = new AbortController();
    controller.abort(new TaskCanceledError('canceled on the hub'));
    expect(outcomeOf(new Error('exec stream cut'), controller.signal)).toEqual({
      kind: 'canceled',
      reason: 'canceled on the hub',
    });
    const shutdown = new AbortController();
    shutdown.abort(new TaskCanceledError('SIGTERM', true));
    expect(outcomeOf(new Error('x'), shutdown.signal)).toMatchObject({ kind: 'retry', shutdown: true });
    const timeout = new AbortController();
    timeout.abort(new TaskTimeoutError(60_000, 'exec rpmbuild --rebuild'));
    expect(outcomeOf(new Error('x'), timeout.signal)).toMatchObject({
      kind: 'failed',
      faultCode: 1000,
      message: 'Task exceeded its time limit of 60 s during step "exec rpmbuild --rebuild"',
    });
  });

  it('stops without a word to the hub when another executor holds the task lease now', () => {
    const leaseLost = new AbortController();
    leaseLost.abort(new LeaseLostError(7, 1));
    expect(outcomeOf(new Error('exec stream cut'), leaseLost.signal)).toEqual({
      kind: 'lost',
      reason: 'the lease of task 7 is held by another attempt now; attempt 1 stops',
    });
  });

  it('drops a task whose session or ownership the hub refuses', () => {
    expect(outcomeOf(new AuthError('Invalid session'), live).kind).toBe('gone');
    expect(outcomeOf(new ActionNotAllowed('task 5 is not assigned to host 1'), live).kind).toBe('gone');
  });

  it('fails the task with a hub fault raised inside it, as kojid does', () => {
    expect(outcomeOf(new GenericError('No such repo: 99'), live)).toMatchObject({
      kind: 'failed',
      faultCode: 1000,
      message: 'No such repo: 99',
    });
  });

  it('retries infrastructure trouble', () => {
    expect(outcomeOf(new HubConnectionError('connection refused', 'ECONNREFUSED'), live).kind).toBe('retry');
    expect(outcomeOf(new ServerOffline('offline'), live).kind).toBe('retry');
    expect(outcomeOf(new RetryError('unable to retry call 3'), live).kind).toBe('retry');
    expect(
      outcomeOf(
        new PodmanUnavailableError('/run/podman/podman.sock', 'ECONNREFUSED', { step: 'create' }),
        live,
      ).kind,
    ).toBe('retry');
    expect(outcomeOf(new ContainerError('container died', { step: 'exec' }), live).kind).toBe('retry');
    expect(outcomeOf('a string', live)).toMatchObject({ kind: 'retry', reason: 'a string' });
    // This machine's disk, not the task: another attempt (maybe elsewhere) may do better.
    const full = new LocalFileError('cannot write x.part', 'x.part', { cause: { code: 'ENOSPC' } });
    expect(outcomeOf(full, live)).toMatchObject({ kind: 'retry', error: 'LocalFileError' });
  });

  it('marks Podman trouble, also when another error wraps it, so that the attempt waits for Podman', () => {
    const down = new PodmanUnavailableError('/run/podman/podman.sock', 'ECONNREFUSED', { step: 'exec' });
    expect(outcomeOf(down, live)).toMatchObject({ kind: 'retry', podman: true });
    const cut = new ExecInterruptedError('c1', 'e1', 'stream ended while the exec still runs');
    expect(outcomeOf(new Error('step failed', { cause: cut }), live)).toMatchObject({
      kind: 'retry',
      podman: true,
    });
    expect(outcomeOf(new ContainerError('container died', { step: 'exec' }), live)).not.toHaveProperty(
      'podman',
    );
  });

  it('fails a build whose results try to escape the result directory', () => {
    const err = new UnsafeArchiveEntryError('../evil', 'climbs out of the destination');
    expect(outcomeOf(err, live)).toMatchObject({ kind: 'failed', faultCode: 1005 });
  });
});
