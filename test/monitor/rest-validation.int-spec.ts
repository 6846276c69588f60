import { HttpErrorFilter } from '../../apps/monitor/src/api/http-error.filter';
import { MonitorTestBed } from './support/monitor-test-bed';

describe(HttpErrorFilter.name, () => {
  const bed = MonitorTestBed.install('rest-errors');

  it('answers bad parameters with a 400 whose message names the parameter', async () => {
    const sut = await bed.monitor();
    const cases: Array<[string, RegExp]> = [
      ['/api/v1/tasks?limit=0', /limit: expected an integer ≥ 1/],
      ['/api/v1/tasks?limit=501', /limit: expected an integer ≤ 500/],
      ['/api/v1/tasks?limit=ten', /limit: expected an integer/],
      ['/api/v1/tasks?state=exploded', /state: /],
      ['/api/v1/tasks?cursor=-3', /cursor: expected a task id/],
      ['/api/v1/tasks?method=no%20spaces', /method: expected a Koji method name/],
      ['/api/v1/tasks?colour=red', /unknown parameter\(s\) colour/],
      ['/api/v1/tasks?state=running&state=closed', /state: /],
      ['/api/v1/tasks/abc', /id: expected a task id/],
      ['/api/v1/tasks/12/logs/..%2Fsecret', /name: expected a log file name/],
      ['/api/v1/tasks/12/logs/build.log?offset=5&tail=3', /tail: offset and tail cannot be used together/],
      ['/api/v1/tasks/12/logs/build.log?offset=-1', /offset: expected a byte offset/],
      ['/api/v1/tasks/12/logs/build.log/follow?tail=0', /tail: expected a number of lines ≥ 1/],
      ['/api/v1/containers?state=sleeping', /state: /],
      ['/api/v1/containers/XYZ', /id: expected a container id/],
      ['/api/v1/executors/bad%20id', /id: expected an identifier/],
      ['/api/v1/status?verbose=1', /unknown parameter\(s\) verbose/],
    ];
    for (const [path, message] of cases) {
      const response = await fetch(sut.url + path);
      const body = (await response.json()) as { error: string; message: string };
      expect({ path, status: response.status, error: body.error }).toEqual({
        path,
        status: 400,
        error: 'bad_request',
      });
      expect(body.message).toMatch(message);
    }
  }, 30_000);

  it('answers what is not in the registry with a 404 JSON error', async () => {
    const { sut, scenario } = await bed.withScenario(2);
    for (const path of [
      '/api/v1/tasks/424242',
      '/api/v1/executors/no-such-executor',
      `/api/v1/containers/${'0'.repeat(64)}`,
      `/api/v1/tasks/${scenario.tasks[0].id}/logs/nothing.log`,
      `/api/v1/tasks/${scenario.tasks[0].id}/logs/build.log?attempt=9`,
      '/api/v1/no-such-route',
    ]) {
      const response = await fetch(sut.url + path);
      expect({ path, status: response.status }).toEqual({ path, status: 404 });
      expect(await response.json()).toMatchObject({ error: 'not_found', message: expect.any(String) });
    }
  }, 30_000);
});
