// koji-farm monitor dashboard: reads the REST API once, then stays current by push
// (the /api/v1/events WebSocket). Plain JavaScript, no build step.
(() => {
  'use strict';

  const LIVE_TYPES = 'task.*,step.*,executor.*,container.*,poller.*';
  const RECENT = 20;
  const state = {
    status: null,
    executors: new Map(),
    running: new Map(),
    recent: new Map(),
    task: null,
    cursor: null,
    socket: null,
    log: null,
  };
  const view = document.getElementById('view');
  const { esc, ms, duration, ago, overviewHtml, taskHtml } = window.kojiFarmViews;

  async function api(path) {
    const response = await fetch(path, {
      credentials: 'same-origin',
      headers: { Accept: 'application/json' },
    });
    if (response.status === 401) {
      askForToken();
      throw new Error('unauthorized');
    }
    if (!response.ok) throw new Error(`${path}: ${response.status}`);
    return response.json();
  }

  function throttle(fn, wait) {
    let timer = null;
    let again = false;
    return () => {
      if (timer) {
        again = true;
        return;
      }
      fn();
      timer = setTimeout(() => {
        timer = null;
        if (again) {
          again = false;
          fn();
        }
      }, wait);
    };
  }

  // ---- auth ----------------------------------------------------------------------
  const login = document.getElementById('login');
  function askForToken() {
    if (!login.open) login.showModal();
  }
  document.getElementById('login-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const token = document.getElementById('token').value;
    const response = await fetch('/api/v1/session', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token }),
    });
    if (response.ok) {
      login.close();
      start();
    } else {
      document.getElementById('login-error').textContent = 'Wrong token.';
    }
  });

  // ---- data ----------------------------------------------------------------------
  async function loadOverview() {
    const [status, executors, running, recent] = await Promise.all([
      api('/api/v1/status'),
      api('/api/v1/executors'),
      api('/api/v1/tasks?state=running&limit=200'),
      api(`/api/v1/tasks?limit=${RECENT}`),
    ]);
    state.status = status;
    state.executors = new Map(executors.items.map((e) => [e.id, e]));
    state.running = new Map(running.items.map((t) => [t.id, t]));
    state.recent = new Map(recent.items.map((t) => [t.id, t]));
  }

  const refreshStatus = throttle(() => {
    api('/api/v1/status')
      .then((status) => {
        state.status = status;
        render();
      })
      .catch(() => undefined);
  }, 1000);

  const pendingTasks = new Set();
  let taskTimer = null;
  function refreshTask(id) {
    pendingTasks.add(id);
    taskTimer ??= setTimeout(() => {
      taskTimer = null;
      const ids = [...pendingTasks];
      pendingTasks.clear();
      Promise.all(ids.map((taskId) => api(`/api/v1/tasks/${taskId}`).catch(() => null))).then((tasks) => {
        for (const task of tasks) if (task) upsertTask(task);
        render();
      });
    }, 100);
  }

  function upsertTask(task) {
    if (task.state === 'running') state.running.set(task.id, task);
    else state.running.delete(task.id);
    state.recent.set(task.id, task);
    const newest = [...state.recent.keys()].sort((a, b) => b - a).slice(0, RECENT);
    state.recent = new Map(newest.map((id) => [id, state.recent.get(id)]));
    if (state.task && state.task.id === task.id) state.task = task;
  }

  // ---- live events -----------------------------------------------------------------
  function connect() {
    const params = new URLSearchParams({ type: LIVE_TYPES });
    if (state.cursor) params.set('since', state.cursor);
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const socket = new WebSocket(`${scheme}://${location.host}/api/v1/events?${params}`);
    state.socket = socket;
    const live = document.getElementById('live');
    socket.onmessage = (message) => {
      const frame = JSON.parse(message.data);
      if (frame.cursor) state.cursor = frame.cursor;
      if (frame.kind === 'ready') {
        live.textContent = 'live';
        live.classList.remove('off');
      }
      if (frame.kind === 'events') {
        for (const item of frame.items) {
          state.cursor = item.cursor;
          onEvent(item.event);
        }
      }
    };
    socket.onclose = () => {
      live.textContent = 'reconnecting…';
      live.classList.add('off');
      if (state.socket === socket) setTimeout(connect, 1000);
    };
  }

  function onEvent(event) {
    if (event.type === 'executor.heartbeat') {
      const known = state.executors.get(event.executorId) ?? { id: event.executorId };
      state.executors.set(event.executorId, {
        ...known,
        hostname: event.hostname,
        state: 'alive',
        arches: event.arches,
        methods: event.methods,
        slots: event.slots,
        busy: event.busy,
        load: event.load,
        version: event.version,
        lastHeartbeatAt: event.at,
        problems: event.problems ?? [],
        healthy: (event.problems ?? []).length === 0,
      });
      render();
      refreshStatus();
    } else if (event.type === 'executor.stopped') {
      const known = state.executors.get(event.executorId);
      if (known)
        state.executors.set(event.executorId, { ...known, state: 'stopped', stopReason: event.reason });
      render();
      refreshStatus();
    } else if (event.type === 'poller.heartbeat') {
      refreshStatus();
    } else if (event.taskId) {
      refreshTask(event.taskId);
      if (event.type.startsWith('task.') || event.type === 'buildroot.snapshot') refreshStatus();
    }
  }

  // ---- rendering -------------------------------------------------------------------
  function renderHub() {
    const hub = document.getElementById('hub');
    const info = state.status && state.status.hub;
    hub.textContent = info ? `hub: ${info.connected ? 'connected' : 'disconnected'}` : 'hub: no poller';
    hub.classList.toggle('off', !(info && info.connected));
  }

  const TASK_PAGE = `<div id="task-main"></div>
    <section><h2>Log <select id="log-select" data-testid="log-select"></select></h2>
    <pre class="log" id="log" data-testid="log-view"></pre></section>`;

  /** The log list changes rarely; the selection and the text already shown are kept. */
  function renderLogChoices(t) {
    const select = document.getElementById('log-select');
    const values = t.logs.map((l) => `${l.attempt}:${l.name}`);
    const current = [...select.options].map((o) => o.value);
    if (values.join('\n') !== current.join('\n')) {
      const selected = select.value;
      select.innerHTML = t.logs
        .map(
          (l) => `<option value="${l.attempt}:${esc(l.name)}">${esc(l.name)} (attempt ${l.attempt})</option>`,
        )
        .join('');
      // Default: the latest attempt's build.log, or its last log.
      const latest = values.filter((v) => v.startsWith(`${t.attempt}:`));
      select.value = values.includes(selected)
        ? selected
        : (latest.find((v) => v.endsWith(':build.log')) ?? latest.at(-1) ?? values.at(-1) ?? '');
    }
    select.onchange = () => followLog(t.id, select.value);
    if (select.value && (!state.log || state.log.value !== select.value)) followLog(t.id, select.value);
  }

  function render() {
    renderHub();
    const route = location.hash.match(/^#\/tasks\/(\d+)/);
    if (!route) {
      view.innerHTML = overviewHtml(state);
      return;
    }
    if (!state.task || String(state.task.id) !== route[1]) return;
    if (!document.getElementById('task-main')) view.innerHTML = TASK_PAGE;
    document.getElementById('task-main').innerHTML = taskHtml(state.task);
    renderLogChoices(state.task);
  }

  function followLog(taskId, value) {
    if (state.log) state.log.source.close();
    const [attempt, name] = [value.slice(0, value.indexOf(':')), value.slice(value.indexOf(':') + 1)];
    const source = new EventSource(
      `/api/v1/tasks/${taskId}/logs/${encodeURIComponent(name)}/follow?attempt=${attempt}&tail=2000`,
    );
    state.log = { source, value };
    document.getElementById('log').textContent = '';
    source.addEventListener('log', (e) => {
      const pre = document.getElementById('log');
      const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
      pre.textContent += JSON.parse(e.data).data;
      if (atBottom) pre.scrollTop = pre.scrollHeight;
    });
    source.addEventListener('end', () => source.close());
  }

  async function route() {
    if (state.log) {
      state.log.source.close();
      state.log = null;
    }
    const match = location.hash.match(/^#\/tasks\/(\d+)/);
    if (match) {
      view.innerHTML = '';
      state.task = await api(`/api/v1/tasks/${match[1]}`).catch(() => null);
      if (!state.task)
        view.innerHTML = `<section class="error">Task ${esc(match[1])} is not in the registry.</section>`;
      else render();
    } else {
      state.task = null;
      render();
    }
  }

  // Ages and elapsed times tick locally; the data itself only changes by push.
  setInterval(() => {
    for (const cell of document.querySelectorAll('[data-field="heartbeat"]'))
      cell.textContent = ago(cell.dataset.at);
    for (const cell of document.querySelectorAll('[data-field="elapsed"]'))
      cell.textContent = duration(Date.now() - ms(cell.dataset.since));
  }, 1000);

  async function start() {
    try {
      await loadOverview();
    } catch {
      return;
    }
    connect();
    await route();
  }
  window.addEventListener('hashchange', () => void route());
  void start();
})();
