/* The newsroom screen: keeps the stream current while colleagues post, and small helpers.
   The staff socket only says "something changed"; the stream is refetched over HTTP. */
(function () {
  "use strict";

  var root = document.getElementById("newsroom");
  var streamBox = document.getElementById("newsroom-stream");
  var statusLine = document.getElementById("newsroom-socket-status");
  var connected = false;
  var refreshes = 0;

  function setStatus(text, state) {
    if (!statusLine) return;
    statusLine.textContent = text;
    statusLine.dataset.state = state;
  }

  // Retraction needs a second, explicit yes.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });

  // Ctrl/Cmd+Enter in the compose form presses its main button (Publish, or Submit for contributors).
  var compose = document.getElementById("compose-form");
  if (compose) {
    compose.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
      var button = compose.querySelector("[data-shortcut]") || compose.querySelector("button[name=intent]");
      if (button) {
        event.preventDefault();
        button.click();
      }
    });
  }

  // The speaker autocomplete (select2) draws its own boxes; give them the field's label as their
  // name, which screen readers otherwise miss while nothing is picked.
  function nameAutocompletes() {
    Array.prototype.forEach.call(document.querySelectorAll("select.admin-autocomplete"), function (select) {
      var label = document.querySelector("label[for='" + select.id + "']");
      var box = select.parentNode.querySelector(".select2-selection");
      var choice = select.parentNode.querySelector(".select2-selection__rendered");
      if (!label || !box || box.dataset.named) return;
      label.id = label.id || select.id + "-label";
      box.dataset.named = "1";
      // aria-labelledby wins over aria-label; select2's own points at the (empty) choice only.
      box.setAttribute("aria-labelledby", label.id + (choice && choice.id ? " " + choice.id : ""));
      if (choice) choice.setAttribute("aria-labelledby", label.id + (choice.id ? " " + choice.id : ""));
    });
  }
  // Django's autocomplete.js sets select2 up when the document is ready; this runs after it.
  if (window.django && window.django.jQuery) window.django.jQuery(nameAutocompletes);
  window.addEventListener("load", nameAutocompletes);

  // A preview shows the whole post: its frame grows (or shrinks) to the post's height.
  function fitPreview(frame) {
    var doc = frame.contentDocument;
    if (!doc || !doc.documentElement) return;
    frame.style.height = Math.max(96, Math.ceil(doc.documentElement.getBoundingClientRect().height) + 4) + "px";
  }
  Array.prototype.forEach.call(document.querySelectorAll("iframe.nr-preview"), function (frame) {
    frame.addEventListener("load", function () {
      fitPreview(frame);
      var doc = frame.contentDocument;
      if (doc && doc.body && "ResizeObserver" in window) {
        new ResizeObserver(function () { fitPreview(frame); }).observe(doc.body);
      }
    });
    fitPreview(frame);
  });

  if (!root || !streamBox || !window.WebSocket) {
    setStatus("Reload to see colleagues' posts.", "off");
    return;
  }

  var streamUrl = root.dataset.streamUrl;
  var socketPath = root.dataset.socket;
  var loading = false;
  var again = false;

  function busyInStream() {
    // Do not swap the list under someone typing a retraction note or holding a menu open.
    var active = document.activeElement;
    return (active && streamBox.contains(active) && active.tagName === "INPUT") ||
      streamBox.querySelector("details[open]") !== null;
  }

  function refresh() {
    if (loading) { again = true; return; }
    if (busyInStream()) { setTimeout(refresh, 1500); return; }
    loading = true;
    fetch(streamUrl, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        streamBox.innerHTML = html;
        refreshes += 1;
      })
      .catch(function () {
        setStatus("Could not refresh the stream; reload the page.", "error");
      })
      .then(function () {
        loading = false;
        if (again) { again = false; refresh(); }
      });
  }

  var attempt = 0;
  var everConnected = false;

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + socketPath);
    socket.onopen = function () {
      connected = true;
      attempt = 0;
      setStatus("Live: colleagues' posts appear here by themselves.", "live");
      // Anything missed while away is in a fresh copy of the stream.
      if (everConnected) refresh();
      everConnected = true;
    };
    socket.onmessage = function (message) {
      var note;
      try { note = JSON.parse(message.data); } catch (e) { return; }
      if (note.type !== "newsroom.change") return;
      if (note.by) setStatus("Live. Latest: " + note.by + " (" + note.action + ").", "live");
      refresh();
    };
    socket.onclose = function (event) {
      connected = false;
      if (event.code === 4403) {
        setStatus("Not signed in with a newsroom role: reload the page.", "error");
        return;
      }
      attempt += 1;
      var delay = Math.min(15000, 500 * Math.pow(2, attempt)) * (0.75 + Math.random() / 2);
      setStatus("Reconnecting…", "off");
      setTimeout(connect, delay);
    };
  }

  window.liveblogNewsroom = {
    isConnected: function () { return connected; },
    refreshes: function () { return refreshes; },
    refresh: refresh
  };
  connect();
})();
