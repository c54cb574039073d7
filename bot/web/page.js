// Starts the rasa-webchat widget inside <main id="chat"> and makes it easier to use with a
// screen reader or a keyboard. Deployment settings come from /config.js (window.LMS_WIDGET_CONFIG).
(function () {
  "use strict";

  var config = window.LMS_WIDGET_CONFIG || {};
  var chat = document.getElementById("chat");
  var status = document.getElementById("chat-status");
  // rasa-webchat keeps the conversation under this key; session storage survives a reload
  // but not closing the tab, which suits shared or family computers.
  var STORAGE_KEY = "chat_session";

  if (!window.WebChat || typeof window.WebChat.default !== "function") {
    status.textContent = "The chat could not be loaded. Please reload the page in a minute.";
    return;
  }

  var mount = document.createElement("div");
  mount.className = "chat-widget";
  chat.appendChild(mount);

  window.WebChat.default({
    socketUrl: config.socketUrl || "http://localhost:5005",
    socketPath: "/socket.io/",
    // Plain text, as a patient would type it: the bot refuses "/intent" payloads typed by users.
    initPayload: "hello",
    customData: { language: "en" },
    title: "LMS information assistant",
    subtitle: "An automated assistant, not a doctor",
    inputTextFieldHint: "Type your question here, then press Enter",
    connectingText: "Connecting to the assistant…",
    // Embedded in a full-page layout; no full-screen mode, which would cover the emergency note.
    embedded: true,
    showFullScreenButton: false,
    showCloseButton: false,
    hideWhenNotConnected: false,
    params: { storage: "session" },
    customMessageDelay: function (message) {
      // Long enough to notice a new message arriving, short enough not to feel slow.
      return Math.min(1500, 400 + 10 * message.length);
    }
  }, mount);

  // The widget renders without labels; add them (and keep them) as its DOM changes.
  function label(selector, attributes) {
    var nodes = chat.querySelectorAll(selector);
    for (var i = 0; i < nodes.length; i++) {
      for (var name in attributes) {
        if (nodes[i].getAttribute(name) !== attributes[name]) {
          nodes[i].setAttribute(name, attributes[name]);
        }
      }
    }
  }

  // The send button is an icon only: give it a visible word too.
  function labelSendButton() {
    var buttons = chat.querySelectorAll(".rw-send");
    for (var i = 0; i < buttons.length; i++) {
      if (!buttons[i].querySelector(".send-label")) {
        var word = document.createElement("span");
        word.className = "send-label";
        word.textContent = "Send";
        buttons[i].appendChild(word);
      }
    }
  }

  function improveAccessibility() {
    label(".rw-new-message", { "aria-label": "Your message to the assistant" });
    label(".rw-send", { "aria-label": "Send message" });
    labelSendButton();
    // tabindex: the conversation scrolls, so keyboard users must be able to reach it.
    label(".rw-messages-container", {
      role: "log",
      tabindex: "0",
      "aria-live": "polite",
      "aria-label": "Messages"
    });
    if (chat.querySelector(".rw-conversation-container") && status.parentNode) {
      status.parentNode.removeChild(status);
    }
  }

  // The introduction starts open where there is room for it, folded on a phone.
  var about = document.getElementById("about");
  if (about && window.matchMedia("(min-width: 601px)").matches) about.open = true;

  new MutationObserver(improveAccessibility).observe(chat, { childList: true, subtree: true });
  improveAccessibility();

  document.getElementById("new-conversation").addEventListener("click", function () {
    window.sessionStorage.removeItem(STORAGE_KEY);
    window.localStorage.removeItem(STORAGE_KEY);
    window.location.reload();
  });
})();
