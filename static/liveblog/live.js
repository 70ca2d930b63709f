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
  if (!eventEl) return;
  var timeZone = eventEl.dataset.timeZone || undefined;
  // Each step its own short task (none is needed for the first paint), so loading the page
  // has no long task; the date row never wraps, so hiding today's dates moves nothing down.
  setTimeout(function () { markToday(); openPanelsOnWideScreens(); }, 0);
  setTimeout(function () { enableShareButtons(document); }, 0);
  if (!eventEl.dataset.liveSocket || !("WebSocket" in window)) return;

  var stream = document.getElementById("stream-posts");
  var newPostsButton = document.getElementById("new-posts");
  var announcer = document.getElementById("live-announcer");

  var BACKGROUND_PAUSE_MS = 60000;  // a hidden tab lets its socket go after a minute
  var MAX_BACKOFF_MS = 30000;
  // The server sends a frame at least every 15 s (a change, or a heartbeat when there is none);
  // a socket silent for this long is dead (a NAT or proxy dropped it without a close), so it is
  // closed and made again.
  var SILENCE_LIMIT_MS = 40000;

  var lastSeq = parseInt(eventEl.dataset.seq, 10) || 0;
  var socket = null;
  var attempts = 0;
  var reconnectTimer = null;
  var pauseTimer = null;
  var paused = false;
  var held = [];  // new posts waiting for the reader to come back to the top
  var lastFrameAt = 0;
  // The reader's own pause (WCAG 2.2.2): the socket stays open, changes wait here, in seq order.
  var readerPaused = false;
  var queued = [];
  var unseen = [];  // ids of posts that arrived while the tab was hidden or the reader scrolled away
  var newSinceLastVisit = [];  // ids, oldest first, of posts published since the reader last came
  var lastVisitNewest = 0;  // publish time of the newest post shown on the last visit
  var visitStartedAt = Date.now();
  var baseTitle = document.title;
  var onlyKeyEvents = eventEl.dataset.filter === "key-events";
  var keyEventsList = document.getElementById("key-events-list");
  var pauseButton = document.getElementById("live-pause");
  var queuedCount = document.getElementById("live-queued");
  var jumpButton = document.getElementById("jump-unread");
  var lastUpdated = document.getElementById("last-updated");
  var lastSeenKey = "liveblog:last-seen:" + eventEl.dataset.event;

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
    lastSeq = change.seq;
    eventEl.dataset.seq = String(lastSeq);
    if (readerPaused) {
      queued.push(change);
      updatePauseControl();
      return;
    }
    apply(change);
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
    showLastUpdated(change);
    if (change.type === "post") applyPost(change.action, change.post);
    else if (change.type === "key_points") replaceHtml(document.getElementById("key-points"), change.html);
    else if (change.type === "event") applyEvent(change.event);
  }

  function applyPost(action, post) {
    var isNew = action === "post_published";
    updateKeyEvents(post, isNew);
    if (onlyKeyEvents && post.status !== "retracted" && !isKeyPost(post)) {
      // This view lists key events only: a post that stops being one leaves it.
      var leaving = document.getElementById("post-" + post.id);
      if (leaving) leaving.remove();
      updateEmptyState();
      return;
    }
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
      forget(post.id);
      if (existing && existing.matches("article.post")) {
        existing.replaceWith(retractionNotice(post));
        announce("A post was retracted");
      }
      updateEmptyState();
      return;
    }
    if (isNew && !existing && !readerAtTop()) {
      held.push(post);
      markUnseen(post.id);
      updateNewPostsButton();
      return;
    }
    place(post, existing);
    if (isNew) {
      markCaughtUpSinceLastVisit(post);
      if (document.hidden) markUnseen(post.id);
      else rememberLastSeen();
      announce("New post: " + (post.headline || "update"));
    }
  }

  // Where a retracted post stood, readers who saw it learn that it was taken down, and why.
  function retractionNotice(post) {
    var notice = document.createElement("div");
    notice.className = "retracted";
    notice.id = "post-" + post.id;
    notice.setAttribute("role", "note");
    var title = document.createElement("p");
    title.className = "retracted__title";
    title.textContent = "This post was retracted at " + clock(post.retracted_at) + ".";
    notice.appendChild(title);
    if (post.retraction_note) {
      var note = document.createElement("p");
      note.className = "retracted__note";
      note.textContent = post.retraction_note;
      notice.appendChild(note);
    }
    return notice;
  }

  function isKeyPost(post) {
    return post.status === "published" && (post.is_key_event || post.kind === "summary");
  }

  // The key events list follows every change: entries appear, change title, or leave.
  function updateKeyEvents(post, isNew) {
    if (!keyEventsList) return;
    var entry = keyEventsList.querySelector('li[data-post-id="' + post.id + '"]');
    if (!isKeyPost(post)) {
      if (entry) entry.remove();
      updateKeyEventsCount();
      return;
    }
    var fresh = document.createElement("li");
    fresh.dataset.postId = String(post.id);
    fresh.dataset.published = post.published_at;
    var link = document.createElement("a");
    // New posts land on this page; older ones may live on an older page, so link their own page.
    var onPage = isNew || document.getElementById("post-" + post.id) || !hasOlderPages();
    link.href = onPage ? "#post-" + post.id : "/live/" + eventEl.dataset.event + "/posts/" + post.id + "/";
    var time = document.createElement("time");
    time.setAttribute("datetime", post.published_at);
    time.textContent = clock(post.published_at, true);
    var title = document.createElement("span");
    title.className = "key-events__title";
    title.textContent = post.headline || truncate(post.body_text, 90);
    link.appendChild(time);
    link.appendChild(document.createTextNode(" "));
    link.appendChild(title);
    fresh.appendChild(link);
    if (entry) entry.remove();
    var when = Date.parse(post.published_at);
    var items = keyEventsList.children;
    var before = null;
    for (var i = 0; i < items.length; i++) {
      if (Date.parse(items[i].dataset.published) < when) { before = items[i]; break; }
    }
    keyEventsList.insertBefore(fresh, before);
    updateKeyEventsCount();
  }

  function updateKeyEventsCount() {
    var box = document.getElementById("key-events");
    var count = keyEventsList.children.length;
    if (box) box.hidden = count === 0;
    var label = document.getElementById("key-events-count");
    if (label) label.textContent = "(" + count + ")";
  }

  function truncate(text, length) {
    text = (text || "").replace(/\s+/g, " ").trim();
    return text.length > length ? text.slice(0, length - 1) + "\u2026" : text;
  }

  function place(post, existing) {
    var element = fragment(post.html);
    if (existing) existing.remove();
    if (post.is_pinned && !onlyKeyEvents) {
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
    markToday(element);
    enableShareButtons(element);
  }

  function firstOlderThan(post) {
    var when = Date.parse(post.published_at);
    var children = stream.querySelectorAll(onlyKeyEvents ? ":scope > article.post" : ":scope > article.post:not(.post--pinned)");
    for (var i = 0; i < children.length; i++) {
      var since = children[i].querySelector(".post__ago[data-since]");
      var theirs = since ? Date.parse(since.dataset.since) : 0;
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
    if (standfirst) {
      standfirst.textContent = state.standfirst;
      // A page loaded while the event had none keeps the element, hidden, for this moment.
      standfirst.hidden = !state.standfirst;
    }
    var ended = document.getElementById("event-ended");
    if (ended) ended.hidden = state.status !== "ended";
    // The key-events view shows no lead picture; a change logged before events carried one has none.
    if ("lead_image" in state && eventEl.dataset.filter !== "key-events") applyLeadImage(state.lead_image, ended);
    if (state.status === "ended") announce("Live coverage has ended");
  }

  function applyLeadImage(image, before) {
    var figure = eventEl.querySelector(".event__lead");
    if (!image) {
      if (figure) figure.remove();
      return;
    }
    if (!figure) {
      if (!before) return; // a page without the event's header (the embed)
      figure = document.createElement("figure");
      figure.className = "event__lead";
      figure.appendChild(document.createElement("img"));
      before.parentNode.insertBefore(figure, before);
    }
    var img = figure.querySelector("img");
    img.src = image.url;
    img.alt = image.alt_text;
    if (image.width && image.height) {
      img.width = image.width;
      img.height = image.height;
    } else {
      img.removeAttribute("width");
      img.removeAttribute("height");
    }
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

  // Times ---------------------------------------------------------------------------------

  // The server writes every post's date (the page may be served from a cache the next day);
  // here, where "today" is known, the date is hidden for posts from today in the event's zone.
  function dayInEventZone(date) {
    try {
      return new Intl.DateTimeFormat("en-CA", { timeZone: timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(date);
    } catch (e) {
      return "";
    }
  }

  function markToday(root) {
    var today = dayInEventZone(new Date());
    var dates = (root || document).querySelectorAll(".post__date[data-day]");
    for (var i = 0; i < dates.length; i++) dates[i].hidden = dates[i].dataset.day === today;
  }

  // "14:05 GMT" (or "14:05" short) in the event's zone, as the server writes times.
  function clock(iso, short) {
    var options = { timeZone: timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
    if (!short) options.timeZoneName = "short";
    try {
      return new Intl.DateTimeFormat("en-GB", options).format(new Date(iso || Date.now()));
    } catch (e) {
      return "";
    }
  }

  function showLastUpdated(change) {
    if (!lastUpdated) return;
    var post = change.post || {};
    // A post carries its own time; other changes happen as they arrive.
    var iso = post.updated_at || post.retracted_at || (change.action === "post_published" && post.published_at) || new Date().toISOString();
    if (Date.parse(iso) < Date.parse(lastUpdated.getAttribute("datetime"))) return;
    var date = lastUpdated.querySelector(".post__date");
    lastUpdated.setAttribute("datetime", new Date(iso).toISOString().replace(/\.\d+Z$/, "Z"));
    lastUpdated.textContent = clock(iso);
    if (date) {
      date.dataset.day = dayInEventZone(new Date(iso));
      lastUpdated.insertBefore(date, lastUpdated.firstChild);
      markToday(lastUpdated);
    }
  }

  // Panels -------------------------------------------------------------------------------

  // Key points and key events start closed (a phone reader sees the first update at once);
  // a wide screen has room for them open.
  function openPanelsOnWideScreens() {
    if (!window.matchMedia || !window.matchMedia("(min-width: 64rem)").matches) return;
    var panels = document.querySelectorAll("details.panel");
    for (var i = 0; i < panels.length; i++) panels[i].open = true;
  }

  // Sharing ------------------------------------------------------------------------------

  function enableShareButtons(root) {
    if (!navigator.share && !(navigator.clipboard && window.isSecureContext)) return;  // the plain link stays
    var links = (root || document).querySelectorAll("a.post__share");
    for (var i = 0; i < links.length; i++) links[i].addEventListener("click", share);
  }

  function share(click) {
    var link = click.currentTarget;
    click.preventDefault();
    if (navigator.share) {
      navigator.share({ title: link.dataset.shareTitle, url: link.href }).catch(function () {});
      return;
    }
    navigator.clipboard.writeText(link.href).then(function () {
      announce("Link copied");
      link.firstChild.textContent = "Link copied";
      setTimeout(function () { link.firstChild.textContent = "Share"; }, 3000);
    }, function () { location.href = link.href; });
  }

  // Pause (WCAG 2.2.2) ---------------------------------------------------------------------

  function toggleReaderPause() {
    readerPaused = !readerPaused;
    if (!readerPaused) {
      // In seq order, exactly as they would have been applied live.
      queued.splice(0).forEach(apply);
      announce("Live updates resumed");
    } else {
      announce("Live updates paused");
    }
    updatePauseControl();
  }

  function updatePauseControl() {
    if (!pauseButton) return;
    pauseButton.setAttribute("aria-pressed", readerPaused ? "true" : "false");
    pauseButton.textContent = readerPaused ? "Resume live updates" : "Pause live updates";
    if (queuedCount) {
      queuedCount.textContent = !readerPaused ? "" : queued.length === 1 ? "1 update waiting" : queued.length + " updates waiting";
    }
  }

  // Catch-up: title count, first unread, new since the last visit ---------------------------------

  function markUnseen(id) {
    if (unseen.indexOf(id) === -1) unseen.push(id);
    updateUnread();
  }

  function forget(id) {
    var at = unseen.indexOf(id);
    if (at !== -1) unseen.splice(at, 1);
    updateUnread();
  }

  function updateUnread() {
    document.title = unseen.length ? "(" + unseen.length + ") " + baseTitle : baseTitle;
    if (jumpButton) jumpButton.hidden = unseen.length === 0 && newSinceLastVisit.length === 0;
  }

  function readerCaughtUp() {
    if (document.hidden || !readerAtTop() || held.length || !unseen.length) return;
    unseen.splice(0);
    updateUnread();
    rememberLastSeen();
  }

  function jumpToFirstUnread() {
    if (held.length) showHeld();
    // The oldest unseen post on the page is where reading should pick up.
    var target = null;
    var candidates = unseen.concat(newSinceLastVisit);
    for (var i = 0; i < candidates.length && !target; i++) target = document.getElementById("post-" + candidates[i]);
    unseen.splice(0);
    newSinceLastVisit.splice(0);
    updateUnread();
    if (!target) return;
    target.setAttribute("tabindex", "-1");
    target.scrollIntoView({ behavior: prefersReducedMotion() ? "auto" : "smooth", block: "start" });
    target.focus({ preventScroll: true });
  }

  function newestShownTime() {
    var newest = 0;
    var times = stream.querySelectorAll(":scope > article.post .post__ago[data-since]");
    for (var i = 0; i < times.length; i++) newest = Math.max(newest, Date.parse(times[i].dataset.since) || 0);
    return newest;
  }

  function labelNew(article) {
    article.classList.add("post--new");
    var label = document.createElement("span");
    label.className = "label label--new";
    label.textContent = "New since your last visit";
    article.querySelector(".post__labels").appendChild(label);
  }

  // A page a cache kept for a few seconds catches up over the socket: posts published before
  // this visit began are as new to the reader as those the page arrived with.
  function markCaughtUpSinceLastVisit(post) {
    var published = Date.parse(post.published_at);
    if (!lastVisitNewest || !(published > lastVisitNewest) || published > visitStartedAt) return;
    var article = document.getElementById("post-" + post.id);
    if (!article || article.classList.contains("post--new")) return;
    labelNew(article);
    newSinceLastVisit.push(post.id);
    updateUnread();
  }

  function rememberLastSeen() {
    try { localStorage.setItem(lastSeenKey, String(newestShownTime())); } catch (e) { /* private mode */ }
  }

  // Posts newer than the newest one shown on the reader's last visit get a "New" mark.
  function markNewSinceLastVisit() {
    var before;
    try { before = parseInt(localStorage.getItem(lastSeenKey), 10); } catch (e) { before = NaN; }
    if (!before) return;
    lastVisitNewest = before;
    var posts = stream.querySelectorAll(":scope > article.post");
    var fresh = [];
    for (var i = 0; i < posts.length; i++) {
      var since = posts[i].querySelector(".post__ago[data-since]");
      if (since && Date.parse(since.dataset.since) > before) {
        labelNew(posts[i]);
        fresh.push(parseInt(posts[i].dataset.postId, 10));
      }
    }
    // Oldest first, so "jump to the first unread" lands where the reader left off.
    newSinceLastVisit = fresh.reverse();
    updateUnread();
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
  window.addEventListener("scroll", function () {
    if (held.length && readerAtTop()) showHeld();
    readerCaughtUp();
  }, { passive: true });
  if (pauseButton) pauseButton.addEventListener("click", toggleReaderPause);
  if (jumpButton) jumpButton.addEventListener("click", jumpToFirstUnread);
  var controls = document.getElementById("live-controls");
  if (controls) controls.hidden = false;
  setTimeout(function () {
    markNewSinceLastVisit();
    rememberLastSeen();  // this visit is the next one's reference
  }, 0);

  // A background tab gives its socket up after a while; coming back resumes after lastSeq.
  document.addEventListener("visibilitychange", function () {
    clearTimeout(pauseTimer);
    if (document.hidden) pauseTimer = setTimeout(pause, BACKGROUND_PAUSE_MS);
    else if (paused) resume();
    if (!document.hidden) { markToday(); readerCaughtUp(); }
  });
  window.addEventListener("online", function () { if (!socket && !paused) connect(); });

  // For diagnostics and the browser tests.
  window.liveblog = {
    pause: pause,
    resume: resume,
    readerPaused: function () { return readerPaused; },
    lastSeq: function () { return lastSeq; },
    isConnected: function () { return Boolean(socket && socket.readyState === WebSocket.OPEN); }
  };

  setTimeout(function () { refreshTimes(document); }, 0);
  setInterval(function () { refreshTimes(document); markToday(); }, 30000);
  setInterval(closeIfSilent, 5000);
  setTimeout(connect, 0);
})();
