import { APP_NODE_OPTIONS, nodeOptionsFor } from './app-node-options';

describe(nodeOptionsFor.name, () => {
  it("puts the app's own options first, so that the caller's come later and win", () => {
    expect(nodeOptionsFor('executor', '-r /tmp/probe.js --max-semi-space-size=8')).toBe(
      `${APP_NODE_OPTIONS.executor} -r /tmp/probe.js --max-semi-space-size=8`,
    );
  });

  it("is the app's own options alone without the caller's, and empty for an app without any", () => {
    expect(nodeOptionsFor('executor')).toBe(APP_NODE_OPTIONS.executor);
    expect(nodeOptionsFor('hub-poller', '  ')).toBe('');
    expect(nodeOptionsFor('hub-poller', '--inspect')).toBe('--inspect');
  });
});
