// Starts the chat widget (rasa-webchat) and adds what it lacks: labels for screen readers, a live
// region for new messages, and a prominent style for crisis replies (any bot message with 988).
(function () {
  var config = JSON.parse(document.getElementById("chat-config").textContent);

  var container = document.getElementById("webchat");
  window.WebChat.default({
    socketUrl: config.socketUrl,
    socketPath: "/socket.io/",
    initPayload: "/greet",
    title: config.title,
    subtitle: "Automated assistant, not medical advice",
    inputTextFieldHint: "Type your question",
    embedded: true,
    showMessageDate: false,
    hideWhenNotConnected: false,
    customMessageDelay: function () { return 200; },
    // Local storage keeps the session id and the conversation across page reloads.
    params: { storage: "local" }
  }, container);

  function improve(root) {
    var input = root.querySelector(".rw-new-message");
    if (input && !input.getAttribute("aria-label")) {
      input.setAttribute("aria-label", "Your message to the clinic's assistant");
    }
    var send = root.querySelector(".rw-send");
    if (send && !send.getAttribute("aria-label")) {
      send.setAttribute("aria-label", "Send");
    }
    var log = root.querySelector(".rw-messages-container");
    if (log && !log.getAttribute("role")) {
      log.setAttribute("role", "log");
      log.setAttribute("aria-live", "polite");
      log.setAttribute("aria-label", "Conversation");
    }
    root.querySelectorAll(".rw-response").forEach(function (message) {
      if (/\b988\b/.test(message.textContent)) {
        message.classList.add("crisis-reply");
        message.setAttribute("role", "alert");
      }
    });
  }

  new MutationObserver(function () { improve(container); })
    .observe(container, { childList: true, subtree: true });
})();
