/* Liveblog reader script: keeps an event's live page current over a websocket.
 *
 * Plain JavaScript, no framework, no build step. The page is complete without
 * it; this script only applies the changes described in docs/live-protocol.md,
 * in seq order, resuming after the last applied seq whenever the socket
 * comes back, so the page converges to what a fresh load would show.
 */
(function () {
  "use strict";

  var eventEl = document.getElementById("event");
  if (!eventEl || !eventEl.dataset.liveSocket || !("WebSocket" in window)) return;

  var stream = document.getElementById("stream-posts");
  var newPostsButton = document.getElementById("new-posts");
  var announcer = document.getElementById("live-announcer");

  var BACKGROUND_PAUSE_MS = 60000;  // a hidden tab lets its socket go after a minute
  var MAX_BACKOFF_MS = 30000;
  // The server sends a heartbeat every 15 s; a socket silent for this long is dead (a NAT
  // or proxy dropped it without a close), so it is closed and made again.
  var SILENCE_LIMIT_MS = 40000;

  var lastSeq = parseInt(eventEl.dataset.seq, 10) || 0;
  var socket = null;
  var attempts = 0;
  var reconnectTimer = null;
  var pauseTimer = null;
  var paused = false;
  var held = [];  // new posts waiting for the reader to come back to the top
  var lastFrameAt = 0;

  function socketUrl() {
    var scheme = location.protocol === "https:" ? "wss:" : "ws:";
    return scheme + "//" + location.host + eventEl.dataset.liveSocket + "?after=" + lastSeq;
  }

  function connect() {
    clearTimeout(reconnectTimer);
    if (socket || paused) return;
    socket = new WebSocket(socketUrl());
    lastFrameAt = Date.now();
    socket.onopen = function () { attempts = 0; };
    socket.onmessage = function (message) { lastFrameAt = Date.now(); receive(message.data); };
    socket.onclose = function () {
      socket = null;
      if (!paused) scheduleReconnect();
    };
  }

  function scheduleReconnect() {
    // Exponential backoff with full jitter, so a server restart is not met by every reader at once.
    var ceiling = Math.min(MAX_BACKOFF_MS, 1000 * Math.pow(2, attempts));
    attempts += 1;
    reconnectTimer = setTimeout(connect, Math.random() * ceiling);
  }

  function disconnect() {
    if (!socket) return;
    var closing = socket;
    socket = null;
    closing.onclose = null;
    closing.close();
  }

  function receive(text) {
    var change;
    try { change = JSON.parse(text); } catch (e) { return; }
    if (change.type === "reload") { location.reload(); return; }
    if (change.type === "heartbeat") {
      // Not a change: the log's latest seq. Behind it (changes lost on the way)? Ask for them.
      if (change.seq > lastSeq) askToResume();
      return;
    }
    if (typeof change.seq !== "number") return;  // pong, error: nothing to apply
    if (change.seq <= lastSeq) return;  // already applied
    if (change.seq > lastSeq + 1) {
      // A gap: ask again from what we have; the server replays in order.
      askToResume();
      return;
    }
    apply(change);
    lastSeq = change.seq;
    eventEl.dataset.seq = String(lastSeq);
  }

  function askToResume() {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify({ type: "resume", after: lastSeq }));
    }
  }

  function closeIfSilent() {
    if (socket && socket.readyState === WebSocket.OPEN && Date.now() - lastFrameAt > SILENCE_LIMIT_MS) {
      socket.close();  // onclose reconnects, and the new socket resumes after lastSeq
    }
  }

  function apply(change) {
    if (change.type === "post") applyPost(change.action, change.post);
    else if (change.type === "key_points") replaceHtml(document.getElementById("key-points"), change.html);
    else if (change.type === "event") applyEvent(change.event);
  }

  function applyPost(action, post) {
    var isNew = action === "post_published";
    var heldIndex = indexOfHeld(post.id);
    if (heldIndex !== -1) {
      // Not on screen yet: keep the held copy current (or drop it if retracted).
      if (post.status === "retracted") held.splice(heldIndex, 1);
      else held[heldIndex] = post;
      updateNewPostsButton();
      return;
    }
    var existing = document.getElementById("post-" + post.id);
    if (post.status === "retracted") {
      if (existing) existing.remove();
      updateEmptyState();
      return;
    }
    if (isNew && !existing && !readerAtTop()) {
      held.push(post);
      updateNewPostsButton();
      return;
    }
    place(post, existing);
    if (isNew) announce("New post: " + (post.headline || "update"));
  }

  function place(post, existing) {
    var element = fragment(post.html);
    if (existing) existing.remove();
    if (post.is_pinned) {
      var oldPin = stream.querySelector(":scope > .post--pinned");
      if (oldPin) oldPin.remove();
      stream.insertBefore(element, stream.firstElementChild);
    } else {
      var after = firstOlderThan(post);
      if (after) stream.insertBefore(element, after);
      else if (!hasOlderPages()) stream.appendChild(element);
      // else: it belongs on an older page, as it would after a reload.
    }
    updateEmptyState();
    refreshTimes(element);
  }

  function firstOlderThan(post) {
    var when = Date.parse(post.published_at);
    var children = stream.querySelectorAll(":scope > article.post:not(.post--pinned)");
    for (var i = 0; i < children.length; i++) {
      var time = children[i].querySelector("time.post__time");
      var theirs = time ? Date.parse(time.getAttribute("datetime")) : 0;
      var theirId = parseInt(children[i].dataset.postId, 10);
      if (theirs < when || (theirs === when && theirId < post.id)) return children[i];
    }
    return null;
  }

  function hasOlderPages() {
    return Boolean(document.querySelector(".pager__older"));
  }

  function indexOfHeld(id) {
    for (var i = 0; i < held.length; i++) if (held[i].id === id) return i;
    return -1;
  }

  function readerAtTop() {
    var top = stream.getBoundingClientRect().top;
    return top >= -40;  // the stream's start is (almost) in view
  }

  function showHeld() {
    held.sort(function (a, b) { return Date.parse(a.published_at) - Date.parse(b.published_at); });
    var count = held.length;
    held.splice(0).forEach(function (post) { place(post, null); });
    updateNewPostsButton();
    if (count) announce(count === 1 ? "1 new post shown" : count + " new posts shown");
    var heading = document.getElementById("stream-heading") || stream;
    heading.scrollIntoView({ behavior: prefersReducedMotion() ? "auto" : "smooth", block: "start" });
  }

  function updateNewPostsButton() {
    if (!newPostsButton) return;
    newPostsButton.hidden = held.length === 0;
    newPostsButton.textContent = held.length === 1 ? "1 new post" : held.length + " new posts";
  }

  function updateEmptyState() {
    var empty = document.getElementById("stream-empty");
    if (empty) empty.hidden = Boolean(stream.querySelector(":scope > article.post"));
  }

  function applyEvent(state) {
    var status = eventEl.querySelector("[data-event-status]");
    if (status) {
      status.className = "status status--" + state.status;
      status.textContent = state.status.charAt(0).toUpperCase() + state.status.slice(1);
    }
    var title = eventEl.querySelector("[data-event-title]");
    if (title) title.textContent = state.title;
    var standfirst = eventEl.querySelector("[data-event-standfirst]");
    if (standfirst) standfirst.textContent = state.standfirst;
    if (state.status === "ended") announce("Live coverage has ended");
  }

  function replaceHtml(element, html) {
    if (element) element.replaceWith(fragment(html));
  }

  function fragment(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  function announce(text) {
    if (announcer) announcer.textContent = text;
  }

  function prefersReducedMotion() {
    return window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  }

  // "3 min ago", kept fresh; the absolute time beside it stays the reference.
  function ago(since) {
    var seconds = Math.max(0, (Date.now() - Date.parse(since)) / 1000);
    if (seconds < 60) return "just now";
    if (seconds < 3600) return Math.floor(seconds / 60) + " min ago";
    if (seconds < 86400) return Math.floor(seconds / 3600) + " h ago";
    return "";
  }

  function refreshTimes(root) {
    var spans = (root || document).querySelectorAll(".post__ago[data-since]");
    for (var i = 0; i < spans.length; i++) spans[i].textContent = ago(spans[i].dataset.since);
  }

  function pause() {
    paused = true;
    clearTimeout(reconnectTimer);
    disconnect();
  }

  function resume() {
    paused = false;
    connect();
  }

  if (newPostsButton) newPostsButton.addEventListener("click", showHeld);
  window.addEventListener("scroll", function () { if (held.length && readerAtTop()) showHeld(); }, { passive: true });

  // A background tab gives its socket up after a while; coming back resumes after lastSeq.
  document.addEventListener("visibilitychange", function () {
    clearTimeout(pauseTimer);
    if (document.hidden) pauseTimer = setTimeout(pause, BACKGROUND_PAUSE_MS);
    else if (paused) resume();
  });
  window.addEventListener("online", function () { if (!socket && !paused) connect(); });

  // For diagnostics and the browser tests.
  window.liveblog = {
    pause: pause,
    resume: resume,
    lastSeq: function () { return lastSeq; },
    isConnected: function () { return Boolean(socket && socket.readyState === WebSocket.OPEN); }
  };

  refreshTimes(document);
  setInterval(function () { refreshTimes(document); }, 30000);
  setInterval(closeIfSilent, 5000);
  connect();
})();
