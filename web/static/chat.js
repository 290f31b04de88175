// Starts the chat widget (rasa-webchat) and adds what it lacks for keyboard and screen-reader users
// (docs/accessibility.md): labels, a polite live log of the conversation, the bot's choices as real
// buttons, and a crisis reply that is announced assertively and marked by more than its colour.
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

  function messageBox() {
    return container.querySelector(".rw-new-message");
  }

  // rasa-webchat 1.0.1 renders quick replies and buttons as <div class="rw-reply"> with only a click
  // handler: give each the role, the tab stop and the keys of a button. Pressing one sends it, and the
  // widget then removes it, so focus goes back to the message box rather than to the page's top.
  function press(event) {
    if (event.key !== "Enter" && event.key !== " ") return;
    event.preventDefault();
    var reply = event.currentTarget;
    reply.click();
    var box = messageBox();
    if (box) box.focus();
  }

  function makeButton(reply) {
    if (reply.tagName === "A" || reply.dataset.keyboard) return;
    reply.dataset.keyboard = "on";
    reply.setAttribute("role", "button");
    reply.setAttribute("tabindex", "0");
    reply.addEventListener("keydown", press);
  }

  function improve(root) {
    var input = messageBox();
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
      // A scrolling region keyboard users can scroll with the arrow keys.
      log.setAttribute("tabindex", "0");
    }
    root.querySelectorAll(".rw-replies").forEach(function (group) {
      if (!group.getAttribute("role")) {
        group.setAttribute("role", "group");
        group.setAttribute("aria-label", "Choices");
      }
    });
    root.querySelectorAll(".rw-reply").forEach(makeButton);
    root.querySelectorAll(".rw-response").forEach(function (message) {
      if (!message.classList.contains("crisis-reply") && /\b988\b/.test(message.textContent)) {
        message.classList.add("crisis-reply");
        message.setAttribute("role", "alert");
      }
    });
  }

  // Sent with the Send button, which is disabled once the box is empty: the focus goes back to the box.
  container.addEventListener("submit", function () {
    var box = messageBox();
    if (box) box.focus();
  });

  new MutationObserver(function () { improve(container); })
    .observe(container, { childList: true, subtree: true });
})();
