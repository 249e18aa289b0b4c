// Hearing room: enter through the API (identity re-check, waiting room),
// connect to LiveKit with adaptive stream and reconnection, follow the
// room's SSE events, and give moderators their control panel. No inline
// scripts (CSP); loaded after vendor/livekit-client.umd.js.
(function () {
  'use strict';
  var LK = window.LivekitClient;
  function $(id) { return document.getElementById(id); }
  function show(el, on) { if (el) { el.hidden = !on; } }
  var tiles = $('room-tiles');

  function attach(track, participant) {
    var el = track.attach();
    var box = document.createElement('figure');
    var cap = document.createElement('figcaption');
    var meta = {};
    try { meta = JSON.parse(participant.metadata || '{}'); } catch (e) { meta = {}; }
    cap.textContent = meta.seat ? meta.seat + ' ' + (meta.name || '') : participant.name || '';
    box.appendChild(el);
    box.appendChild(cap);
    box.dataset.sid = track.sid;
    tiles.appendChild(box);
  }
  function detach(track) {
    track.detach().forEach(function (el) { el.remove(); });
    var box = tiles.querySelector('[data-sid="' + track.sid + '"]');
    if (box) { box.remove(); }
  }

  function connect(url, token, publish, audioOnly) {
    var room = new LK.Room({ adaptiveStream: true, dynacast: true });
    room.on(LK.RoomEvent.TrackSubscribed, function (t, pub, p) {
      if (audioOnly && t.kind === 'video') { return; }
      attach(t, p);
    });
    room.on(LK.RoomEvent.TrackUnsubscribed, detach);
    room.on(LK.RoomEvent.Reconnecting, function () { show($('room-reconnecting'), true); });
    room.on(LK.RoomEvent.Reconnected, function () { show($('room-reconnecting'), false); });
    return room.connect(url, token).then(function () {
      if (publish) {
        return room.localParticipant.setMicrophoneEnabled(true).then(function () {
          if (!audioOnly) { return room.localParticipant.setCameraEnabled(true); }
        }).catch(function () {});
      }
    }).then(function () { return room; });
  }

  // Public livestream: subscribe only.
  var live = $('live');
  if (live) {
    connect(live.dataset.url, live.dataset.token, false, false);
    return;
  }
  var root = $('room');
  if (!root) { return; }
  var id = root.dataset.hearing, csrf = root.dataset.csrf, me = null, current = null;

  function api(path, body) {
    return fetch('/api/v1/hearings/' + id + path, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify(body || {})
    }).then(function (r) {
      return r.json().then(function (j) {
        if (!r.ok) { throw new Error((j.error && j.error.message) || r.statusText); }
        return j;
      });
    });
  }
  function fail(e) { var el = $('room-error'); el.textContent = e.message; show(el, true); }

  function enter() {
    api('/enter').then(function (e) {
      me = e;
      show($('room-waiting'), e.state !== 'admitted' && e.state !== 'consulting');
      show($('room-panel'), e.moderator || e.kind === 'clerk');
      $('room-audio-only').checked = e.audio_only;
      if (current) { current.disconnect(); }
      return connect(e.url, e.token, true, e.audio_only).then(function (r) { current = r; });
    }).catch(fail);
  }
  $('room-enter').addEventListener('click', enter);
  $('room-audio-only').addEventListener('change', function (ev) {
    if (!me) { return; }
    api('/controls', { action: 'audio_only', target: me.identity, on: ev.target.checked }).then(enter).catch(fail);
  });
  document.querySelectorAll('#room-panel [data-action]').forEach(function (b) {
    b.addEventListener('click', function () {
      var row = b.closest('tr');
      api('/controls', { action: b.dataset.action, target: row ? row.dataset.identity : '' }).catch(fail);
    });
  });
  // The exhibit shown in the hearing (synchronous evidence exchange, Online
  // Litigation Rules Art. 14): everyone's page follows what is presented.
  function showExhibit(p) {
    if (!p || !p.exhibit) { return; }
    var x = p.exhibit, url = '/api/v1/exhibits/' + x.id + '/file', img = $('room-exhibit-image');
    $('room-exhibit-label').textContent = x.label;
    $('room-exhibit-name').textContent = x.name;
    $('room-exhibit-link').href = url;
    if (x.kind === 'jpeg' || x.kind === 'png') { img.src = url; img.alt = x.name; show(img, true); } else { show(img, false); }
    show($('room-exhibit'), true);
  }
  function loadExhibit() {
    fetch('/api/v1/hearings/' + id + '/exhibit', { credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.json() : null; }).then(showExhibit).catch(function () {});
  }
  var xs = new EventSource('/api/v1/hearings/' + id + '/exhibit/events');
  xs.addEventListener('exhibit', loadExhibit);
  loadExhibit();
  // Room changes: a change that concerns me (admitted, held, witness in or
  // out, consultation) needs a new token; the panel refreshes its states.
  var es = new EventSource('/api/v1/hearings/' + id + '/events');
  es.addEventListener('room', function (m) {
    var c = JSON.parse(m.data);
    var mine = me && c.target === me.identity && c.action !== 'enter' && c.action !== 'left' && c.action !== 'remove';
    var myConsult = me && c.party_id && me.party_id === c.party_id &&
      (c.action === 'consult_start' || c.action === 'consult_end');
    if (mine || myConsult) { enter(); }
    var row = document.querySelector('#room-panel tr[data-identity="' + c.target + '"] .p-state');
    if (row && c.state) { row.textContent = c.state; }
    var st = $('room-status'), label = st && st.dataset['label' + c.status.charAt(0).toUpperCase() + c.status.slice(1)];
    if (label) { st.textContent = label; }
    if (c.action === 'remove' && me && c.target === me.identity && current) { current.disconnect(); }
  });
})();
