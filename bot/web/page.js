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

  function forgetInThisBrowser() {
    window.sessionStorage.removeItem(STORAGE_KEY);
    window.localStorage.removeItem(STORAGE_KEY);
    window.location.reload();
  }

  // Starting again asks the server for a new conversation: the old token is dropped here.
  document.getElementById("new-conversation").addEventListener("click", forgetInThisBrowser);

  // The widget keeps, as its "session_id", the token the server issued for this conversation.
  function conversationToken() {
    try {
      var stored = JSON.parse(window.sessionStorage.getItem(STORAGE_KEY) || "null");
      return stored && typeof stored.session_id === "string" ? stored.session_id : null;
    } catch (error) {
      return null;
    }
  }

  // Deletes the conversation on the server (the token proves it is this browser's), then here.
  document.getElementById("delete-conversation").addEventListener("click", function () {
    var deleteStatus = document.getElementById("delete-status");
    var token = conversationToken();
    if (!token) {
      forgetInThisBrowser();
      return;
    }
    deleteStatus.textContent = "Deleting your conversation…";
    var socketUrl = (config.socketUrl || "http://localhost:5005").replace(/\/+$/, "");
    window.fetch(socketUrl + "/webhooks/socketio/conversation", {
      method: "DELETE",
      headers: { Authorization: "Bearer " + token },
      credentials: "omit"
    }).then(function (reply) {
      if (reply.ok || reply.status === 401) {
        // 401: the token has expired, and retention removes what it led to.
        forgetInThisBrowser();
      } else {
        deleteStatus.textContent = "Your conversation could not be deleted just now. Please try again in a minute.";
      }
    }).catch(function () {
      deleteStatus.textContent = "The assistant could not be reached, so nothing was deleted. Please try again in a minute.";
    });
  });
})();
