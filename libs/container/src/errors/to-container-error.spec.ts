import { ContainerError } from './container.error';
import { ContainerNotFoundError } from './container-not-found.error';
import { ImageNotFoundError } from './image-not-found.error';
import { PodmanUnavailableError } from './podman-unavailable.error';
import { toContainerError } from './to-container-error';

const socketPath = '/run/test/podman.sock';

function httpError(statusCode: number, message: string) {
  return Object.assign(new Error(`(HTTP code ${statusCode}) x - ${message} `), {
    statusCode,
    json: { message, cause: 'x', response: statusCode },
  });
}
function sysError(code: string, syscall: string) {
  return Object.assign(new Error(`${syscall} ${code} ${socketPath}`), { code, syscall, address: socketPath });
}

describe(toContainerError.name, () => {
  it.each([
    ['ENOENT', 'connect'],
    ['ECONNREFUSED', 'connect'],
    ['ECONNRESET', 'read'],
    ['EPIPE', 'write'],
  ])('%s on %s is a retryable PodmanUnavailableError naming the socket', (code, syscall) => {
    const sut = toContainerError(sysError(code, syscall), { step: 'create', socketPath });
    expect(sut).toBeInstanceOf(PodmanUnavailableError);
    expect(sut).toMatchObject({ retryable: true, step: 'create', socketPath });
    expect(sut.message).toContain(socketPath);
  });

  it('a deadline of ours becomes PodmanUnavailableError saying how long it waited', () => {
    const sut = toContainerError(new Error('aborted'), { step: 'list', socketPath, timedOutAfterMs: 300 });
    expect(sut).toBeInstanceOf(PodmanUnavailableError);
    expect(sut.message).toContain('no answer within 300 ms');
  });

  it('ENOENT from a file (not the socket) is not taken for Podman being down', () => {
    const sut = toContainerError(sysError('ENOENT', 'open'), { step: 'copy', socketPath });
    expect(sut).not.toBeInstanceOf(PodmanUnavailableError);
    expect(sut.retryable).toBe(false);
  });

  it('EACCES on connect says how to fix the permission, not retryable', () => {
    const sut = toContainerError(sysError('EACCES', 'connect'), { step: 'ping', socketPath });
    expect(sut.retryable).toBe(false);
    expect(sut.message).toContain('Permission denied on the Podman API socket');
  });

  it("maps 404s to ImageNotFoundError or ContainerNotFoundError by Podman's words", () => {
    const image = toContainerError(httpError(404, 'no such image: localhost/x: image not known'), {
      step: 'create',
      socketPath,
      image: 'localhost/x',
    });
    expect(image).toBeInstanceOf(ImageNotFoundError);
    expect(image).toMatchObject({ image: 'localhost/x', retryable: false });

    const container = toContainerError(
      httpError(404, 'no container with name or ID "abc" found: no such container'),
      {
        step: 'start',
        socketPath,
        containerId: 'abc',
      },
    );
    expect(container).toBeInstanceOf(ContainerNotFoundError);
    expect(container).toMatchObject({ containerId: 'abc', step: 'start' });
  });

  it("anything else is a plain ContainerError with Podman's message, the status and the cause", () => {
    const cause = httpError(409, 'container is running');
    const sut = toContainerError(cause, { step: 'remove', socketPath, containerId: 'abc' });
    expect(sut.constructor).toBe(ContainerError);
    expect(sut).toMatchObject({ step: 'remove', containerId: 'abc', retryable: false, cause });
    expect(sut.message).toBe('Podman refused remove for container abc (HTTP 409): container is running');
  });

  it('passes ContainerErrors through', () => {
    const original = new ContainerError('x', { step: 'exec' });
    expect(toContainerError(original, { step: 'create', socketPath })).toBe(original);
  });
});
