// koji-farm monitor dashboard: the HTML of its views, built from API data (no I/O here).
(() => {
  'use strict';

  // ---- helpers -------------------------------------------------------------------
  const esc = (value) =>
    String(value ?? '').replace(
      /[&<>"']/g,
      (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
    );
  const ms = (iso) => (iso ? Date.parse(iso) : null);
  function duration(millis) {
    if (millis === null || millis === undefined || Number.isNaN(millis)) return '';
    const s = Math.max(0, Math.round(millis / 1000));
    if (s < 60) return `${s}s`;
    if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
    return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  }
  const ago = (iso) => (iso ? `${duration(Date.now() - ms(iso))} ago` : '');
  const stateTag = (s) => `<span class="state-${esc(s)}" data-field="state">${esc(s)}</span>`;
  // An executor alive but kept from taking tasks (Podman, disk) shows as unhealthy, with why.
  const executorState = (e) =>
    e.state === 'alive' && e.problems && e.problems.length > 0
      ? `${stateTag('unhealthy')} <small data-field="problems">${esc(e.problems.map((p) => p.message).join('; '))}</small>`
      : stateTag(e.state);
  // Buildroot snapshot hit rate (ADR 0080): "67% (2 / 3)", or – before any clean buildroot.
  const snapshotRate = (s) => {
    const b = s && s.buildrootSnapshots;
    if (!b || b.hitRate === null) return '–';
    return `${Math.round(100 * b.hitRate)}% (${b.hit} / ${b.hit + b.miss})`;
  };
  const taskLink = (id) => `<a href="#/tasks/${esc(id)}">${esc(id)}</a>`;

  function overviewHtml(state) {
    const s = state.status;
    const queued = s ? (s.tasks.queued ?? 0) : 0;
    const executors = [...state.executors.values()];
    const alive = executors.filter((e) => e.state === 'alive');
    const slots = alive.reduce((n, e) => n + e.slots, 0);
    const busy = alive.reduce((n, e) => n + e.busy, 0);
    const cards = `<div class="cards">
      <div class="card"><b data-testid="alive-count">${alive.length}</b><span>executors alive</span></div>
      <div class="card"><b data-testid="slots">${busy} / ${slots}</b><span>slots busy</span></div>
      <div class="card"><b>${state.running.size}</b><span>tasks running</span></div>
      <div class="card"><b>${queued}</b><span>tasks queued</span></div>
      <div class="card"><b>${s ? s.eventsPerSecond.toFixed(1) : '–'}</b><span>events/s</span></div>
      <div class="card"><b>${esc(s && s.poller.leader ? s.poller.leader : '–')}</b><span>poller leader</span></div>
      <div class="card" title="clean buildroots started from a snapshot (hit) or that installed their group (miss)">
        <b data-testid="snapshot-hit-rate">${snapshotRate(s)}</b><span>buildroot snapshot hits</span></div>
    </div>`;
    const executorRows = executors
      .sort((a, b) => a.id.localeCompare(b.id))
      .map(
        (e) => `<tr data-executor-id="${esc(e.id)}">
          <td>${esc(e.id)}</td><td>${esc(e.hostname)}</td><td>${esc((e.arches || []).join(', '))}</td>
          <td data-field="slots"><span class="bar"><i style="width:${e.slots ? (100 * e.busy) / e.slots : 0}%"></i></span>${e.busy} / ${e.slots}</td>
          <td>${esc(e.load)}</td><td>${esc(e.version)}</td>
          <td data-field="heartbeat" data-at="${esc(e.lastHeartbeatAt)}">${ago(e.lastHeartbeatAt)}</td>
          <td>${executorState(e)}</td></tr>`,
      )
      .join('');
    const queues = (s ? s.queues : [])
      .map(
        (q) =>
          `<tr data-queue="${esc(q.name)}"><td>${esc(q.name)}</td><td data-field="depth">${q.depth ?? '–'}</td><td>${q.queuedTasks}</td></tr>`,
      )
      .join('');
    const runningRows = [...state.running.values()]
      .sort((a, b) => b.id - a.id)
      .map((t) => {
        const step = t.currentStep;
        return `<tr data-task-id="${t.id}"><td>${taskLink(t.id)}</td><td>${esc(t.method)}</td><td>${esc(t.arch)}</td>
          <td>${esc(t.executorId)}</td><td data-field="step">${step ? `${step.step}. ${esc(step.name)}` : ''}</td>
          <td data-field="elapsed" data-since="${esc(t.startedAt || t.receivedAt)}">${duration(Date.now() - ms(t.startedAt || t.receivedAt))}</td></tr>`;
      })
      .join('');
    const recentRows = [...state.recent.values()]
      .map(
        (
          t,
        ) => `<tr data-task-id="${t.id}"><td>${taskLink(t.id)}</td><td>${esc(t.method)}</td><td>${esc(t.arch)}</td>
          <td>${stateTag(t.state)}</td><td>${esc(t.executorId)}</td><td>${duration(t.durationMs)}</td></tr>`,
      )
      .join('');
    const empty = (cols, text) => `<tr><td colspan="${cols}" class="empty">${text}</td></tr>`;
    return `${cards}
      <section><h2>Executors</h2><table data-testid="executors-table"><thead><tr><th>id</th><th>host</th><th>arches</th>
        <th>slots</th><th>load</th><th>version</th><th>heartbeat</th><th>state</th></tr></thead>
        <tbody>${executorRows || empty(8, 'no executor has sent a heartbeat')}</tbody></table></section>
      <section><h2>Running tasks</h2><table data-testid="running-table"><thead><tr><th>task</th><th>method</th><th>arch</th>
        <th>executor</th><th>current step</th><th>elapsed</th></tr></thead>
        <tbody>${runningRows || empty(6, 'nothing running')}</tbody></table></section>
      <section><h2>Queues</h2><table data-testid="queues-table"><thead><tr><th>queue</th><th>depth</th><th>queued tasks</th></tr></thead>
        <tbody>${queues || empty(3, 'no queue known')}</tbody></table></section>
      <section><h2>Recent tasks</h2><table data-testid="recent-table"><thead><tr><th>task</th><th>method</th><th>arch</th>
        <th>state</th><th>executor</th><th>duration</th></tr></thead>
        <tbody>${recentRows || empty(6, 'no task yet')}</tbody></table></section>`;
  }

  function taskHtml(t) {
    const start = Math.min(...t.steps.map((s) => ms(s.startedAt)).filter(Boolean));
    const end = Math.max(
      Date.now() * (t.state === 'running' ? 1 : 0),
      ...t.steps.map((s) => ms(s.finishedAt) || 0),
    );
    const span = Math.max(1, end - start);
    const steps = t.steps
      .map((s) => {
        const from = ms(s.startedAt) ?? start;
        const to = ms(s.finishedAt) ?? Date.now();
        const left = (100 * (from - start)) / span;
        const width = (100 * (to - from)) / span;
        return `<tr data-step="${s.step}"><td>${s.step}</td><td data-field="name">${esc(s.name)}</td><td>${esc(s.kind)}</td>
          <td>${s.startedAt ? new Date(s.startedAt).toLocaleTimeString() : ''}</td>
          <td data-field="duration">${s.durationMs !== null ? duration(s.durationMs) : s.startedAt ? '…' : ''}</td>
          <td data-field="exit">${s.exitCode ?? ''}</td><td>${s.status ? stateTag(s.status) : stateTag('running')}</td>
          <td class="span"><div class="seg ${s.status === 'failed' || s.status === 'timeout' ? 'failed' : ''}"
            style="margin-left:${left}%;width:${width}%"></div></td></tr>`;
      })
      .join('');
    const waiting = t.waiting
      ? `<section class="waiting" data-testid="waiting"><b>Waiting:</b> ${esc(t.waiting.message)}</section>`
      : '';
    const attempts = t.attempts
      .map(
        (a) =>
          `<li>attempt ${a.attempt} on ${esc(a.executorId)}: ${stateTag(a.state)} ${a.error ? esc(a.error.message) : ''}</li>`,
      )
      .join('');
    return `<section data-testid="task-header"><h2>Task ${t.id}: ${esc(t.method)} (${esc(t.arch)}) ${stateTag(t.state)}</h2>
        <div>${[
          t.executorId ? `executor <b>${esc(t.executorId)}</b>` : '',
          t.attempt ? `attempt ${t.attempt}` : '',
          t.containerId ? `container <code>${esc(t.containerId.slice(0, 12))}</code>` : '',
          t.currentStep ? `current step <b data-testid="current-step">${esc(t.currentStep.name)}</b>` : '',
        ]
          .filter(Boolean)
          .join(', ')}</div>
        <ul>${attempts}</ul></section>${waiting}
      <section><h2>Steps</h2><table class="timeline" data-testid="step-timeline"><thead><tr><th>#</th><th>name</th><th>kind</th>
        <th>start</th><th>duration</th><th>exit</th><th>status</th><th></th></tr></thead>
        <tbody>${steps || '<tr><td colspan="8" class="empty">no step yet</td></tr>'}</tbody></table></section>`;
  }

  window.kojiFarmViews = { esc, ms, duration, ago, overviewHtml, taskHtml };
})();
