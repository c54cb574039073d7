// What rasa-webchat 1.0.1 does not do safely, done for the chat page and for the embedded chat.
// Load it after rasa-webchat's bundle and before page.js or lms-chat-embed.js.
//
// Links: the widget renders bot messages as markdown with react-markdown's link check turned
// off (transformLinkUri: null), so a "javascript:" or "data:" link would be clickable. Every
// link in the widget whose address is not https: or mailto: becomes plain text. The browser's
// own URL parser decides the scheme, so spelling tricks ("JaVaScRiPt:", entities, tabs) change
// nothing.
//
// Console: the widget prints the socket id and the conversation token ("connect:…",
// "session_confirm:… session_id:…", "sending init payload …"). The token is the key to the
// conversation; a console is shown to browser extensions and copied into bug reports. Those
// lines are dropped, and anything shaped like a token is masked in what the page logs.
(function (root) {
  "use strict";

  var ALLOWED_SCHEMES = ["https:", "mailto:"];
  // A JWT (the conversation token): three base64url parts, the first two starting "eyJ".
  var TOKEN = /eyJ[\w-]*\.eyJ[\w-]*\.[\w-]*/g;
  var WIDGET_SESSION_LINES = /^\s*(connect:|session_confirm:|sending init payload)/;
  var WIDGET = "[class*='rw-']";

  function allowedLink(href, base) {
    try {
      return ALLOWED_SCHEMES.indexOf(new URL(href, base).protocol) !== -1;
    } catch (error) {
      return false;
    }
  }

  function maskTokens(value) {
    return typeof value === "string" ? value.replace(TOKEN, "[conversation token]") : value;
  }

  // Replaces console.log/info/debug with versions that drop the widget's session lines and mask tokens.
  function quietConsole(target) {
    ["log", "info", "debug"].forEach(function (level) {
      var original = target[level];
      if (typeof original !== "function") return;
      target[level] = function () {
        var args = Array.prototype.map.call(arguments, maskTokens);
        if (typeof args[0] === "string" && WIDGET_SESSION_LINES.test(args[0])) return;
        return original.apply(target, args);
      };
    });
  }

  // Turns every link inside the widget whose address is not allowed into its text.
  function unlinkUnsafe(container) {
    var links = container.querySelectorAll("a[href]");
    for (var i = 0; i < links.length; i++) {
      var link = links[i];
      if (!link.closest(WIDGET) || allowedLink(link.getAttribute("href"), link.baseURI)) continue;
      var text = document.createElement("span");
      text.textContent = link.textContent;
      link.parentNode.replaceChild(text, link);
    }
  }

  var api = { allowedLink: allowedLink, maskTokens: maskTokens, quietConsole: quietConsole,
              unlinkUnsafe: unlinkUnsafe };
  root.LmsChatSafety = api;

  if (typeof document !== "undefined" && typeof MutationObserver !== "undefined") {
    quietConsole(root.console);
    // Mutation observers run before the browser paints or handles a click, so an unsafe
    // link is gone before anyone can follow it.
    new MutationObserver(function () { unlinkUnsafe(document); })
      .observe(document.documentElement, { childList: true, subtree: true, attributes: true,
                                           attributeFilter: ["href"] });
  }
})(typeof window !== "undefined" ? window : globalThis);
