/* Liveblog embed: a partner page adds
 *   <script src="https://<liveblog host>/embed.js" data-event="<slug>" async></script>
 * and gets the event's live stream in an iframe right after the tag. The iframe keeps the
 * host page's styles out (and ours out of the host page); it reports its height, and this
 * script sizes it to fit, so the blog takes its container's width and its own height.
 *
 * Theming: data-accent, data-text, data-background, data-link (colours) and data-font
 * (a font-family) travel in the iframe address's fragment, which never reaches the server:
 * the embed page is the same for every partner, and only its script applies them.
 */
(function () {
  "use strict";

  var THEME = ["accent", "text", "background", "link", "font"];

  function embed(script) {
    if (script.dataset.liveblogEmbedded) return;
    var slug = script.dataset.event;
    if (!slug || !/^[-a-zA-Z0-9_]+$/.test(slug)) return;
    script.dataset.liveblogEmbedded = "1";
    var origin = new URL(script.src, location.href).origin;
    var theme = new URLSearchParams();
    THEME.forEach(function (name) { if (script.dataset[name]) theme.set(name, script.dataset[name]); });

    var frame = document.createElement("iframe");
    frame.src = origin + "/live/" + encodeURIComponent(slug) + "/embed/" + (theme.toString() ? "#" + theme : "");
    frame.title = script.dataset.title || "Live updates";
    frame.className = "liveblog-embed";
    frame.setAttribute("loading", "lazy");
    frame.style.cssText = "display:block;width:100%;min-height:12rem;border:0;overflow:hidden;";
    script.parentNode.insertBefore(frame, script.nextSibling);

    window.addEventListener("message", function (message) {
      if (message.origin !== origin || message.source !== frame.contentWindow) return;
      var data = message.data;
      if (data && data.type === "liveblog:height" && typeof data.height === "number" && data.height > 0) {
        frame.style.height = Math.ceil(data.height) + "px";
      }
    });
  }

  // The tag running now, and any others on the page (a page may embed several events; each
  // tag is embedded once, however many copies of the script run).
  if (document.currentScript && document.currentScript.dataset.event) embed(document.currentScript);
  var scripts = document.querySelectorAll("script[data-event][src*='/embed.js']");
  for (var i = 0; i < scripts.length; i++) embed(scripts[i]);
})();
