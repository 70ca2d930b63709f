/* Inside the embed's iframe (/live/<slug>/embed/): applies the partner's theme from the
 * address's fragment and tells the embedding page how tall the blog is whenever that
 * changes (a new post, a picture loading), so embed.js can size the iframe to fit.
 * The live stream itself is live.js, the same as on the live page.
 */
(function () {
  "use strict";

  var COLOURS = { accent: "--embed-accent", text: "--embed-text", background: "--embed-background",
                  link: "--embed-link" };

  function applyTheme() {
    var theme = new URLSearchParams(location.hash.slice(1));
    var root = document.documentElement.style;
    Object.keys(COLOURS).forEach(function (name) {
      var value = theme.get(name);
      // Only real colours: a fragment is anyone's to write.
      if (value && window.CSS && CSS.supports("color", value)) root.setProperty(COLOURS[name], value);
    });
    var font = theme.get("font");
    if (font && window.CSS && CSS.supports("font-family", font)) root.setProperty("--embed-font", font);
  }

  var reported = 0;
  function reportHeight() {
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height === reported || window.parent === window) return;
    reported = height;
    // The height says nothing private, so any embedding page may read it.
    window.parent.postMessage({ type: "liveblog:height", height: height }, "*");
  }

  applyTheme();
  window.addEventListener("hashchange", applyTheme);
  if ("ResizeObserver" in window) new ResizeObserver(reportHeight).observe(document.body);
  window.addEventListener("load", reportHeight);
  reportHeight();
})();
