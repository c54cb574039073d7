// The chat as a floating button on someone else's website (see "Embedding the chat" in the README).
// Load rasa-webchat's bundle first, then lms-chat-safety.js (bot/web/chat_safety.js: safe
// links, no token in the console), then this file with the Rasa server's address:
//   <script src="/js/rasa-webchat-1.0.1.js"></script>
//   <script src="/js/lms-chat-safety.js"></script>
//   <script src="/js/lms-chat-embed.js" data-socket-url="https://chat.example.org"></script>
// It starts the widget as a launcher in the corner and adds what the widget lacks: names for
// screen readers, the safety line in the chat's header, and (with embed.css) a visible focus ring,
// strong colours and a send button with a word on it.
(function () {
  "use strict";

  var script = document.currentScript;
  var socketUrl = (script && script.getAttribute("data-socket-url")) || "http://localhost:5005";

  if (!window.WebChat || typeof window.WebChat.default !== "function") {
    if (window.console) console.error("lms-chat-embed: load rasa-webchat's bundle before this file.");
    return;
  }
  if (!window.LmsChatSafety) {
    // Without it a bot message could carry a clickable javascript: link, and the console the token.
    if (window.console) console.error("lms-chat-embed: load lms-chat-safety.js before this file.");
    return;
  }

  var mount = document.createElement("div");
  mount.className = "lms-chat";
  document.body.appendChild(mount);

  window.WebChat.default({
    socketUrl: socketUrl,
    socketPath: "/socket.io/",
    // Plain text, as a patient would type it: the bot refuses "/intent" payloads typed by users.
    initPayload: "hello",
    customData: { language: "en" },
    title: "LMS information assistant",
    subtitle: "Not a doctor. In danger? Call 988 (US) or your local emergency number.",
    inputTextFieldHint: "Type your question here",
    connectingText: "Connecting to the assistant…",
    showFullScreenButton: false,
    hideWhenNotConnected: false,
    params: { storage: "session" }
  }, mount);

  function label(selector, attributes) {
    var nodes = mount.querySelectorAll(selector);
    for (var i = 0; i < nodes.length; i++) {
      for (var name in attributes) {
        if (nodes[i].getAttribute(name) !== attributes[name]) nodes[i].setAttribute(name, attributes[name]);
      }
    }
  }

  function improveAccessibility() {
    var open = !!mount.querySelector(".rw-conversation-container");
    label(".rw-launcher", {
      "aria-label": open ? "Close the chat with the LMS information assistant"
        : "Chat with the LMS information assistant",
      "aria-expanded": String(open)
    });
    label(".rw-close-button", { "aria-label": "Close the chat" });
    label(".rw-new-message", { "aria-label": "Your message to the assistant" });
    label(".rw-send", { "aria-label": "Send message" });
    // tabindex: the conversation scrolls, so keyboard users must be able to reach it.
    label(".rw-messages-container", { role: "log", tabindex: "0", "aria-live": "polite", "aria-label": "Messages" });
    var buttons = mount.querySelectorAll(".rw-send");
    for (var i = 0; i < buttons.length; i++) {
      if (!buttons[i].querySelector(".lms-send-label")) {
        var word = document.createElement("span");
        word.className = "lms-send-label";
        word.textContent = "Send";
        buttons[i].appendChild(word);
      }
    }
  }

  new MutationObserver(improveAccessibility).observe(mount, { childList: true, subtree: true, attributes: true,
    attributeFilter: ["class"] });
  improveAccessibility();
})();
