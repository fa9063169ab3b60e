// The chat page: pick a name and a room, see the backlog, chat live.
//
// User text only ever reaches the document through textContent, so markup
// in a message is shown as typed, never parsed. The event stream is an
// EventSource; when it reconnects (after a node restart, say) the page joins
// its room again and redraws the backlog.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const enc = encodeURIComponent;

  const state = {
    name: '',
    room: '',
    es: null,          // the EventSource of the user's events
    lastSeq: 0,        // the last message shown, by its room's numbering
    joining: false,    // a join is under way: live messages wait in pending
    pending: [],
    retry: 0,          // timer of the next join attempt
    backoff: 1000,     // before reopening a stream the browser gave up on
    epoch: 0,          // of the room as last joined: a new one means its history was lost
    node: null,        // the gateway's own node: {addr, name}
  };

  function setStatus(text, cls) {
    const s = $('status');
    s.textContent = text;
    s.className = 'status ' + (cls || '');
  }

  function showError(text) {
    $('error').textContent = text || '';
  }

  function setJoined(room) {
    document.body.dataset.joined = room || '';
  }

  // api calls the gateway and returns the decoded JSON answer, or throws an
  // Error carrying the answer's status and its "error" text.
  async function api(method, path, body) {
    const init = { method, headers: {} };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(path, init);
    } catch (err) {
      const e = new Error('the gateway cannot be reached');
      e.status = 0;
      throw e;
    }
    let data = null;
    try { data = await res.json(); } catch (_) { /* no JSON body */ }
    if (!res.ok) {
      const e = new Error((data && data.error) || res.statusText);
      e.status = res.status;
      throw e;
    }
    return data;
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function clock(ms) {
    return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  }

  function append(li) {
    const ul = $('messages');
    const atBottom = ul.scrollTop + ul.clientHeight >= ul.scrollHeight - 4;
    ul.append(li);
    while (ul.children.length > 500) ul.firstElementChild.remove();
    if (atBottom) ul.scrollTop = ul.scrollHeight;
  }

  function addMessage(m) {
    if (m.seq <= state.lastSeq) return; // already shown (a backlog overlaps)
    state.lastSeq = m.seq;
    const li = el('li', 'message');
    li.dataset.seq = m.seq;
    if (m.user === state.name) li.classList.add('mine');
    li.append(el('span', 'time', clock(m.at)), el('span', 'user', m.user), el('span', 'text', m.text));
    append(li);
  }

  function notice(text, cls) {
    append(el('li', 'notice' + (cls ? ' ' + cls : ''), text));
  }

  // nodeName names a node as the terminal does: by its name (a, b, c),
  // else by its address.
  function nodeName(name, addr) {
    if (name) return `node ${name}`;
    return addr ? `node ${addr}` : 'this node';
  }

  // createHint says how to make a room: on a cluster, by joining it; else
  // the page cannot (yet), the API can.
  function createHint(room) {
    if (state.node && state.node.grains) return 'Any name is a room: type one above and join, and it is made.';
    const r = room || 'NAME';
    return `To create room ${r} on this gateway's node: curl --json '{"name":"${r}"}' ${location.origin}/rooms`;
  }

  function handle(ev) {
    if (ev.room && ev.room !== state.room) return;
    switch (ev.type) {
      case 'message':
        if (state.joining) state.pending.push(ev.message);
        else addMessage(ev.message);
        break;
      case 'missed':
        notice(`${ev.missed} message${ev.missed === 1 ? '' : 's'} missed`);
        break;
      case 'gone':
        notice(`room ${ev.room} went away; joining it again when it is back`);
        setJoined('');
        setStatus('room gone', 'warn');
        scheduleJoin(2000);
        break;
    }
  }

  function scheduleJoin(ms) {
    clearTimeout(state.retry);
    state.retry = setTimeout(join, ms);
  }

  // join subscribes to the room and redraws its backlog. It is called on
  // every (re)connection of the stream, so it must be harmless to repeat.
  async function join() {
    clearTimeout(state.retry);
    state.joining = true;
    state.pending = [];
    try {
      const res = await api('POST', `/rooms/${enc(state.room)}/join`, { user: state.name });
      state.lastSeq = 0;
      if (state.epoch && res.epoch !== state.epoch) {
        // The room was made anew (its node restarted, or it was created
        // again): what it said before is gone. Keep what this page saw.
        notice(`room ${state.room} was made anew: its earlier history was lost; the lines above are what this page had kept`, 'lost');
      } else {
        $('messages').replaceChildren();
      }
      state.epoch = res.epoch;
      for (const m of res.backlog) addMessage(m);
      setJoined(state.room);
      setStatus('connected', 'ok');
      showError('');
      where();
      return true;
    } catch (err) {
      showError(err.status === 404
        ? `${err.message}. ${createHint(state.room)} (this page joins it as soon as it exists)`
        : err.message);
      // Not there (yet), or its node is down: it may come back.
      if (err.status === 404 || err.status === 0 || err.status >= 500) scheduleJoin(2000);
      return false;
    } finally {
      state.joining = false;
      for (const m of state.pending) addMessage(m);
      state.pending = [];
    }
  }

  // where shows which node hosts the room, and which gateway serves us.
  async function where() {
    try {
      const rooms = await api('GET', '/rooms');
      const list = $('rooms');
      list.replaceChildren(...rooms.map((r) => { const o = el('option'); o.value = r.name; return o; }));
      if (!state.node) state.node = await api('GET', '/node');
      const via = `via ${nodeName(state.node.name, state.node.addr)} (${location.host})`;
      const r = rooms.find((r) => r.name === state.room);
      $('where').textContent = r ? `room ${r.name} on ${nodeName(r.nodeName, r.node)}, ${via}` : via;
      $('hint').textContent = (rooms.length ? `Rooms: ${rooms.map((r) => r.name).join(', ')}. ` : 'No room yet. ') + createHint();
    } catch (_) { /* only decoration */ }
  }

  function connect() {
    if (state.es) state.es.close();
    setStatus('connecting…');
    const es = new EventSource(`/users/${enc(state.name)}/events`);
    state.es = es;
    es.onopen = () => {
      state.backoff = 1000;
      join();
    };
    es.onmessage = (e) => {
      try { handle(JSON.parse(e.data)); } catch (err) { console.error(err); }
    };
    es.onerror = () => {
      setJoined('');
      setStatus('reconnecting…', 'warn');
      // The browser retries by itself unless it gave up (an error status).
      if (es.readyState === EventSource.CLOSED) {
        setTimeout(() => { if (state.es === es) connect(); }, state.backoff);
        state.backoff = Math.min(state.backoff * 2, 10000);
      }
    };
  }

  async function start(name, room) {
    if (state.room && state.room !== room && state.name === name) {
      api('POST', `/rooms/${enc(state.room)}/leave`, { user: name }).catch(() => {});
    }
    state.name = name;
    state.room = room;
    state.lastSeq = 0;
    state.epoch = 0;
    localStorage.setItem('chat.name', name);
    history.replaceState(null, '', `?name=${enc(name)}&room=${enc(room)}`);
    $('title').textContent = `#${room}`;
    $('chat').hidden = false;
    $('messages').replaceChildren();
    if (await join()) connect();
  }

  $('join-form').addEventListener('submit', (e) => {
    e.preventDefault();
    start($('name').value.trim(), $('room').value.trim());
  });

  $('say-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const input = $('text');
    const text = input.value;
    if (!text.trim()) return;
    try {
      await api('POST', `/rooms/${enc(state.room)}/messages`, { user: state.name, text });
      input.value = '';
      showError('');
    } catch (err) {
      showError(err.message);
    }
  });

  const params = new URLSearchParams(location.search);
  $('name').value = params.get('name') || localStorage.getItem('chat.name') || '';
  if (params.get('room')) $('room').value = params.get('room');
  where();
  if ($('name').value && params.get('room')) start($('name').value, $('room').value);
})();
